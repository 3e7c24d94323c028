package dev.andon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.run.JobSpec;
import dev.andon.run.RunStatus;
import dev.andon.run.VirtualThreads;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A job that names {@code andon.virtual-dispatcher}: one clear line at {@code check} and a refused
 * submission on Java 17, a job like any other on 21+. Runs on every JDK and asserts what that JDK
 * must do.
 */
class VirtualDispatcherCheckTest {
    private static final String FILE = ConfigFixtures.DIR + "virtual.conf";

    @Test
    void shouldSayOnOneLineThatVirtualThreadsNeedJava21OrRunTheJobOnThem() {
        if (VirtualThreads.available()) {
            JobSpec wide = ConfigFixtures.catalogOf(FILE).entries().get("wide").spec();
            assertEquals("andon.virtual-dispatcher", wide.dispatcher());
            assertEquals(5000, wide.maxParallelism(), "bounded by the job, not by a pool");
        } else {
            assertEquals(List.of(FILE + ":3: andon.jobs.wide.dispatcher: virtual threads need Java 21+ (this is Java "
                    + System.getProperty("java.version") + ")"), ConfigFixtures.problemsOf(FILE));
        }
    }

    @Test
    void shouldRefuseAJobOnVirtualThreadsBeforeJava21AndRunItAfter() throws Exception {
        JobSpec job = JobSpec.builder("vt").dispatcher("andon.virtual-dispatcher").call("a", ctx -> "ok").build();
        try (Andon andon = Andon.start(ConfigFactory.load(), "VirtualDispatcherCheckTest")) {
            if (VirtualThreads.available()) {
                assertEquals(RunStatus.SUCCEEDED, andon.submit(job).report().toCompletableFuture().get(30, TimeUnit.SECONDS).status());
            } else {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> andon.submit(job));
                assertEquals("job vt: dispatcher andon.virtual-dispatcher: " + VirtualThreads.unavailableMessage(), e.getMessage());
            }
        }
    }
}
