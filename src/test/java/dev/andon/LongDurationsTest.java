package dev.andon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.andon.call.SleepCall;
import dev.andon.run.CallSpec;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RetryPolicy;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.testutil.LogRecorder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every duration a job may have works, however long: Akka's scheduler takes at most ~24.8 days at
 * andon run's 1 ms tick (~248 at 10 ms), and a job may say 300 days or 292 years. Before, such a
 * run's supervisor failed as it was created (the run stayed RUNNING, its abort did nothing), and a
 * worker failed as it armed a timeout, backoff or grace (its call ended FAILED, "a bug in Andon").
 */
class LongDurationsTest {
    @RegisterExtension
    static final LogRecorder log = LogRecorder.forTestClass();
    private static final Duration DAYS_300 = Duration.ofDays(300);
    private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE); // what HOCON makes of "9223372036854775807d"
    private static Andon andon;

    @BeforeAll
    static void start() {
        andon = Andon.start(ConfigFactory.parseString("akka.scheduler.tick-duration = 1ms, andon.shutdown.margin = 2s")
                .withFallback(ConfigFactory.load()), "LongDurationsTest");
    }

    @AfterAll
    static void stop() {
        andon.close();
    }

    private static RunReport run(JobSpec job) {
        return andon.submit(job).report().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
    }

    private static SleepCall sleep(Duration d, String fail) {
        return new SleepCall(d, fail, false);
    }

    /**
     * A 60 s sleep that counts {@code started} down on its own thread: a snapshot's RUNNING says the
     * call was handed to a thread, and on a loaded machine an abort can still reach it before that
     * thread begins it (then it is truly CANCELLED). These tests are about calls that really run.
     */
    private static dev.andon.call.BlockingCall<String> longSleep(java.util.concurrent.CountDownLatch started) {
        SleepCall sleep = sleep(Duration.ofSeconds(60), null);
        return ctx -> {
            started.countDown();
            return sleep.call(ctx);
        };
    }

    private static void awaitStarted(java.util.concurrent.CountDownLatch started) {
        try {
            assertTrue(started.await(20, TimeUnit.SECONDS), "the call never started on its thread");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldRunAndAbortARunWithALongDeadline() {
        for (Duration deadline : List.of(DAYS_300, LONGEST)) {
            RunReport quick = run(JobSpec.builder("long-deadline").deadline(deadline).call("a", sleep(Duration.ofMillis(10), null)).build());
            assertEquals(RunStatus.SUCCEEDED, quick.status(), quick.toString());

            var started = new java.util.concurrent.CountDownLatch(1);
            RunHandle slow = andon.submit(JobSpec.builder("long-deadline").deadline(deadline).call("a", longSleep(started)).build());
            awaitStarted(started);
            assertTrue(andon.abort(slow.id(), "test"));
            RunReport aborted = slow.report().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
            assertEquals(RunStatus.ABORTED, aborted.status(), aborted.toString());
            assertEquals(CallStatus.ABORTED, aborted.call("a").status());
        }
        assertEquals(List.of(), log.warningsAndErrors());
    }

    @Test
    void shouldRunACallWithALongTimeout() {
        RunReport r = run(JobSpec.builder("long-timeout").call(CallSpec.of("a", sleep(Duration.ofMillis(10), null))
                .withTimeout(DAYS_300)).call(CallSpec.of("b", sleep(Duration.ofMillis(10), null)).withTimeout(LONGEST)).build());
        assertEquals(RunStatus.SUCCEEDED, r.status(), r.toString());
        assertEquals(List.of(), log.warningsAndErrors());
    }

    @Test
    void shouldAbortACallInALongBackoff() {
        RunHandle h = andon.submit(JobSpec.builder("long-backoff").call(CallSpec.of("a", sleep(Duration.ofMillis(1), "flaky"))
                .withRetry(new RetryPolicy(3, DAYS_300, LONGEST, List.of()))).build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        // In its backoff once the first attempt has failed: its live state says so.
        while (!andon.snapshot(h.id()).toCompletableFuture().join().map(s -> String.valueOf(s.call("a").progress()))
                .orElse("").contains("retrying")) {
            assertTrue(System.nanoTime() < deadline, "never in its backoff");
            sleepMillis(20);
        }
        assertTrue(andon.abort(h.id(), "test"));
        RunReport r = h.report().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
        assertEquals(CallStatus.ABORTED, r.call("a").status(), r.toString());
        assertEquals(1, r.call("a").attempts());
        assertEquals(List.of(), log.warningsAndErrors());
    }

    @Test
    void shouldReportTheTrueOutcomeOfACallAbortedUnderALongGrace() {
        for (Duration grace : List.of(DAYS_300, LONGEST)) {
            var started = new java.util.concurrent.CountDownLatch(1);
            RunHandle h = andon.submit(JobSpec.builder("long-grace").abortGrace(grace).call("a", longSleep(started)).build());
            awaitStarted(started);
            assertTrue(andon.abort(h.id(), "test"));
            RunReport r = h.report().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
            assertEquals(CallStatus.ABORTED, r.call("a").status(), r.toString());
        }
        assertEquals(List.of(), log.warningsAndErrors());
    }

    @Test
    void shouldShutDownWithALiveRunUnderALongGrace() {
        Andon other = Andon.start(ConfigFactory.parseString("akka.scheduler.tick-duration = 1ms")
                .withFallback(ConfigFactory.load()), "LongDurationsTest-shutdown");
        var started = new java.util.concurrent.CountDownLatch(1);
        RunHandle h = other.submit(JobSpec.builder("long-grace").abortGrace(LONGEST).call("a", longSleep(started)).build());
        awaitStarted(started);
        other.shutdown().toCompletableFuture().orTimeout(20, TimeUnit.SECONDS).join();
        RunReport r = h.report().toCompletableFuture().join();
        assertEquals(RunStatus.ABORTED, r.status(), r.toString());
        assertEquals(CallStatus.ABORTED, r.call("a").status());
        assertEquals(List.of(), log.warningsAndErrors());
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
