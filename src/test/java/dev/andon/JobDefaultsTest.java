package dev.andon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import dev.andon.run.CallSpec;
import dev.andon.run.FailurePolicy;
import dev.andon.run.JobDefaults;
import dev.andon.run.JobSpec;
import dev.andon.run.RetryPolicy;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A deployment's {@code andon.job-defaults} reach every job, however it was made. */
class JobDefaultsTest {
    private static final Config DEPLOYMENT = ConfigFactory.parseString("""
            andon.job-defaults {
              failure-policy = all-settled
              max-parallelism = 3
              abort-grace = 7s
              deadline = 1h
              timeout = 30s
              interrupt-on-abort = off
              retry { attempts = 2, backoff = 1s, max-backoff = 4s, on = [IOException] }
            }
            andon.jobs.cataloged.calls = [{ name = a, kind = sleep, duration = 1ms }]
            """).withFallback(ConfigFactory.load()).resolve();

    @Test
    void shouldBuildAJavaJobWithTheDeploymentsDefaults() {
        try (Andon andon = Andon.start(DEPLOYMENT, "JobDefaultsTest")) {
            JobSpec job = andon.job("java").call("a", ctx -> 1).build();
            assertEquals(List.of(FailurePolicy.ALL_SETTLED, 3, Duration.ofSeconds(7), Duration.ofHours(1)),
                    List.of(job.failurePolicy(), job.maxParallelism(), job.abortGrace(), job.deadline()));
            CallSpec call = job.calls().get(0);
            assertEquals(Duration.ofSeconds(30), call.timeout());
            assertEquals(false, call.interruptOnAbort());
            assertEquals(new RetryPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(4), List.of("IOException")), call.retry());
        }
    }

    @Test
    void shouldGiveAJavaJobTheSameSettingsAsACatalogJobUnderTheSameDefaults() {
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(DEPLOYMENT, new KindContext(DEPLOYMENT, HttpClient::newHttpClient), problems);
        assertEquals(List.of(), problems.list());
        JobSpec cataloged = catalog.entry("cataloged").orElseThrow().spec();
        JobSpec java = JobSpec.builder("cataloged", JobDefaults.from(DEPLOYMENT)).call("a", ctx -> 1).build();
        assertEquals(List.of(cataloged.failurePolicy(), cataloged.maxParallelism(), cataloged.abortGrace(),
                        cataloged.deadline(), cataloged.dispatcher()),
                List.of(java.failurePolicy(), java.maxParallelism(), java.abortGrace(), java.deadline(), java.dispatcher()));
        CallSpec c = cataloged.calls().get(0);
        CallSpec j = java.calls().get(0);
        assertEquals(List.of(c.timeout(), c.retry(), c.interruptOnAbort()), List.of(j.timeout(), j.retry(), j.interruptOnAbort()));
    }

    @Test
    void shouldKeepReferenceDefaultsForABuilderMadeWithoutAnAndon() {
        JobSpec job = JobSpec.builder("plain").call("a", ctx -> 1).build();
        JobDefaults reference = JobDefaults.from(ConfigFactory.defaultReference());
        assertEquals(List.of(reference.failurePolicy(), reference.maxParallelism(), reference.abortGrace()),
                List.of(job.failurePolicy(), job.maxParallelism(), job.abortGrace()));
        assertEquals(null, job.deadline());
        assertEquals(null, job.calls().get(0).timeout());
        assertEquals(1, job.calls().get(0).retry().attempts());
    }
}
