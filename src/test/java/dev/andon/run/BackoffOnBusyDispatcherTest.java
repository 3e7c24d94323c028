package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A retry's backoff on a loaded machine: the actors' dispatcher is one thread, and something else
 * holds it, as a busy machine would, while the worker would hear of the failure and again when
 * the backoff ends. The next attempt still starts the backoff after the failure.
 */
class BackoffOnBusyDispatcherTest {
    private static final ActorTestKit testKit = ActorTestKit.create("BackoffOnBusyDispatcherTest",
            ConfigFactory.parseString("""
                    andon.actor-dispatcher {
                      executor = thread-pool-executor
                      thread-pool-executor.fixed-pool-size = 1
                    }
                    """).withFallback(ConfigFactory.load()));

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    /**
     * Holds its dispatcher's thread for {@code millis}, then, if there is {@code then}, lets the
     * actors waiting for the thread have it for 20 ms before holding it again for that.
     */
    private record Hold(long millis, Hold then) {
    }

    private static Behavior<Hold> hog() {
        return Behaviors.receive((ctx, hold) -> {
            Thread.sleep(hold.millis()); // on purpose: this actor plays the load
            if (hold.then() != null) ctx.scheduleOnce(Duration.ofMillis(20), ctx.getSelf(), hold.then());
            return Behaviors.same();
        });
    }

    @Test
    void shouldStartTheNextAttemptTheBackoffAfterTheFailureWhileTheWorkersDispatcherIsBusy() {
        ActorRef<Hold> hog = testKit.spawn(hog(), "hog", Props.empty().withDispatcherFromConfig("andon.actor-dispatcher"));
        Duration backoff = Duration.ofMillis(300);
        JobSpec job = JobSpec.builder("busy").call(CallSpec.of("flaky", ctx -> {
            if (ctx.attempt() > 1) return "ok";
            // The worker hears of this failure 250 ms late; then, from before the backoff ends,
            // its turn comes only 400 ms later.
            hog.tell(new Hold(250, new Hold(400, null)));
            throw new java.io.IOException("flaky");
        }).withRetry(new RetryPolicy(2, backoff, backoff, List.of()))).build();
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        testKit.spawn(RunSupervisor.create("busy-1", job, done.ref()), "busy-1",
                Props.empty().withDispatcherFromConfig("andon.actor-dispatcher"));

        RunReport report = done.expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(20)).report();
        CallReport flaky = report.call("flaky");
        assertEquals(CallStatus.SUCCEEDED, flaky.status(), flaky::toString);
        assertEquals(2, flaky.attempts());
        List<CallReport.Attempt> attempts = flaky.attemptTimes();
        long gap = Duration.between(attempts.get(0).finishedAt(), attempts.get(1).startedAt()).toMillis();
        // Before: 650 ms and more (the backoff from when the worker heard, the start from its next turn).
        assertTrue(gap >= backoff.toMillis() - 20 && gap < backoff.toMillis() + 200,
                () -> "retrying in " + backoff.toMillis() + " ms took " + gap + " ms: " + attempts);
    }
}
