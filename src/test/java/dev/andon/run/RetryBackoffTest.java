package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.FishingOutcomes;
import akka.actor.testkit.typed.javadsl.ManualTime;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Retries and their backoff, with Akka's {@link ManualTime}: no test waits for real time to pass. */
class RetryBackoffTest {
    private static final ActorTestKit testKit = ActorTestKit.create("RetryBackoffTest",
            ManualTime.config().withFallback(ConfigFactory.load()));
    private static final ManualTime manualTime = ManualTime.get(testKit.system());
    private static final RetryPolicy TWICE_AFTER_10S =
            new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofSeconds(15), List.of());

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private record Started(TestProbe<RunEvent> events, TestProbe<RunSupervisor.RunFinished> done,
                           ActorRef<RunSupervisor.Command> supervisor) {
    }

    private static Started start(String id, JobSpec job) {
        TestProbe<RunEvent> events = testKit.createTestProbe();
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        return new Started(events, done, testKit.spawn(RunSupervisor.create(id, job, done.ref(), events.ref()::tell), id));
    }

    /** Waits until the call has failed an attempt and its backoff timer is set. */
    private static void awaitBackoff(TestProbe<RunEvent> events) {
        events.fishForMessage(Duration.ofSeconds(5), e -> e instanceof RunEvent.CallProgressed p
                && p.message().contains("retrying in") ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
    }

    @Test
    void shouldRetryWithExponentialBackoffUntilTheCallSucceeds() {
        AtomicInteger attempts = new AtomicInteger();
        Started s = start("retry-ok", JobSpec.builder("retry").call(CallSpec.of("flaky", ctx -> {
            if (attempts.incrementAndGet() < 3) throw new java.io.IOException("flaky " + ctx.attempt());
            return "ok on " + ctx.attempt();
        }).withRetry(TWICE_AFTER_10S)).build());

        awaitBackoff(s.events());
        manualTime.expectNoMessageFor(Duration.ofSeconds(9), s.done());
        assertEquals(1, attempts.get(), "no second attempt before the backoff");
        manualTime.timePasses(Duration.ofSeconds(1));
        awaitBackoff(s.events());
        manualTime.expectNoMessageFor(Duration.ofSeconds(14), s.done()); // 20 s doubled, capped at 15 s
        assertEquals(2, attempts.get());
        manualTime.timePasses(Duration.ofSeconds(1));
        RunReport r = s.done().expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(5)).report();
        assertEquals(RunStatus.SUCCEEDED, r.status());
        assertEquals(3, r.call("flaky").attempts());
        assertEquals("ok on 3", r.call("flaky").result());
    }

    @Test
    void shouldFailAfterTheLastAttempt() {
        Started s = start("retry-fail", JobSpec.builder("retry").call(CallSpec.of("broken", ctx -> {
            throw new java.io.IOException("down");
        }).withRetry(new RetryPolicy(2, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of()))).build());
        awaitBackoff(s.events());
        manualTime.timePasses(Duration.ofSeconds(1));
        RunReport r = s.done().expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(5)).report();
        assertEquals(CallStatus.FAILED, r.call("broken").status());
        assertEquals(2, r.call("broken").attempts());
        assertEquals("java.io.IOException: down", r.cause().error());
    }

    @Test
    void shouldRetryOnlyTheFailuresNamedInOn() {
        AtomicInteger attempts = new AtomicInteger();
        RetryPolicy onIo = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(1), List.of("IOException"));
        Started s = start("retry-on", JobSpec.builder("retry").call(CallSpec.of("wrong", ctx -> {
            attempts.incrementAndGet();
            throw new IllegalArgumentException("not retried");
        }).withRetry(onIo)).build());
        RunReport r = s.done().expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(5)).report();
        assertEquals(CallStatus.FAILED, r.call("wrong").status());
        assertEquals(1, attempts.get());
    }

    @Test
    void shouldEndAbortedWithoutAnotherAttemptWhenAbortedDuringBackoff() {
        AtomicInteger attempts = new AtomicInteger();
        Started s = start("retry-abort", JobSpec.builder("retry").call(CallSpec.of("flaky", ctx -> {
            attempts.incrementAndGet();
            throw new java.io.IOException("flaky");
        }).withRetry(TWICE_AFTER_10S)).build());
        awaitBackoff(s.events());
        s.supervisor().tell(new RunSupervisor.Abort("user"));
        RunReport r = s.done().expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(5)).report();
        manualTime.timePasses(Duration.ofSeconds(30));
        assertEquals(RunStatus.ABORTED, r.status());
        assertEquals(CallStatus.ABORTED, r.call("flaky").status());
        assertEquals(1, r.call("flaky").attempts());
        assertEquals(1, attempts.get());
    }

    @Test
    void shouldTimeOutOnManualTime() {
        Started s = start("timeout", JobSpec.builder("t").call(CallSpec.of("slow", ctx -> {
            while (true) {
                ctx.checkpoint();
                Thread.sleep(1);
            }
        }).withTimeout(Duration.ofMinutes(5))).build());
        s.events().fishForMessage(Duration.ofSeconds(5), e -> e instanceof RunEvent.CallStarted
                ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
        manualTime.expectNoMessageFor(Duration.ofMinutes(4), s.done());
        manualTime.timePasses(Duration.ofMinutes(1));
        RunReport r = s.done().expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(5)).report();
        assertEquals(CallStatus.TIMED_OUT, r.call("slow").status());
        assertEquals(RunStatus.FAILED, r.status());
    }
}
