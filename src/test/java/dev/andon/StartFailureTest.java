package dev.andon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.dispatch.DispatcherPrerequisites;
import akka.dispatch.ExecutorServiceConfigurator;
import akka.dispatch.ExecutorServiceFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.run.JobSpec;
import dev.andon.run.RunEvent;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A run whose start fails (its dispatcher cannot be made) ends for whoever waits for it. */
class StartFailureTest {

    /** An executor that cannot be made, as Akka finds when the dispatcher is first looked up. */
    public static final class Unmakeable extends ExecutorServiceConfigurator {
        public Unmakeable(Config config, DispatcherPrerequisites prerequisites) {
            super(config, prerequisites);
            throw new IllegalStateException("this pool cannot be made");
        }

        @Override
        public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
            throw new AssertionError("never made");
        }
    }

    @Test
    void aRunWhoseDispatcherCannotBeMadeShouldBeRejectedWithTheReasonNotWaitedForForever() throws Exception {
        Config config = ConfigFactory.parseString("unmakeable { type = Dispatcher, executor = \""
                + Unmakeable.class.getName() + "\" }\n"
                + "zero-pool = ${andon.blocking-dispatcher} { pool-size = 0 }")
                .withFallback(ConfigFactory.defaultReference()).resolve();
        try (Andon andon = Andon.start(config, "start-failure")) {
            List<RunEvent> events = new CopyOnWriteArrayList<>();
            JobSpec job = JobSpec.builder("doomed").call("a", ctx -> 1).dispatcher("unmakeable").build();
            RunHandle handle = andon.submit(job, events::add);
            CompletionException e = assertThrows(CompletionException.class,
                    () -> handle.report().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join());
            assertInstanceOf(IllegalStateException.class, e.getCause(), e::toString);
            assertTrue(e.getCause().getMessage().contains("this pool cannot be made"), e.getCause()::getMessage);
            assertTrue(events.get(events.size() - 1) instanceof RunEvent.RunRejected, events::toString);
            // and Andon goes on: a good run after it
            assertEquals("SUCCEEDED", andon.submit(JobSpec.builder("fine").call("a", ctx -> 1).build())
                    .report().toCompletableFuture().get(30, TimeUnit.SECONDS).status().name());
            // a pool of no threads is refused at once, in one line
            IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> andon.submit(
                    JobSpec.builder("zero").call("a", ctx -> 1).dispatcher("zero-pool").build()));
            assertEquals("job zero: zero-pool.pool-size: must be at least 1, not 0", zero.getMessage());
        }
    }
}
