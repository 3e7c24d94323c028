package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.call.SleepCall;
import dev.andon.testutil.LogRecorder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A failure inside Andon (a bug) never leaves a run unfinished or lies: the run ends FAILED with an
 * internal-error cause, its other calls get the outcome their threads gave, and the failure is
 * counted for GET /health.
 */
class InternalErrorTest {
    @RegisterExtension
    static final LogRecorder log = LogRecorder.forTestClass();
    private static Andon andon;

    @BeforeAll
    static void start() {
        andon = Andon.start(ConfigFactory.load(), "InternalErrorTest");
    }

    @AfterAll
    static void stop() {
        andon.close();
    }

    @Test
    void shouldReportAFailureWhoseMessageCannotBeReadAsFailed() {
        RunReport r = andon.submit(JobSpec.builder("unprintable").call("bug", new ThrowsUnprintably()).build())
                .report().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
        assertEquals(RunStatus.FAILED, r.status(), r.toString());
        assertEquals(CallStatus.FAILED, r.call("bug").status());
        assertEquals("dev.andon.run.ThrowsUnprintably$Unprintable (its message could not be read: "
                + "java.lang.IllegalStateException: no message for you)", r.call("bug").error());
    }

    @Test
    void shouldFailTheRunAndStopItsOtherCallsTrulyWhenAWorkerFails() {
        long before = AndonStats.get(andon.system()).internalErrors();
        java.util.concurrent.CountDownLatch longStarted = new java.util.concurrent.CountDownLatch(1);
        // Deciding on a retry asks the failure for its keys, which throws: in the worker, a bug.
        JobSpec job = JobSpec.builder("bug").abortGrace(Duration.ofSeconds(1))
                .call(CallSpec.of("bug", ctx -> {
                    longStarted.await(); // so that its sibling is running, not queued, when the cord is pulled
                    throw new ThrowsUnprintably.Unprintable();
                }).withRetry(new RetryPolicy(3, Duration.ZERO, Duration.ZERO, java.util.List.of("status=503"))))
                .call("long", ctx -> {
                    longStarted.countDown();
                    return new SleepCall(Duration.ofSeconds(60), null, false).call(ctx);
                })
                .build();
        RunReport r = andon.submit(job).report().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
        assertEquals(RunStatus.FAILED, r.status(), r.toString());
        assertTrue(r.cause().error().startsWith("internal error in Andon (a bug; see the log): java.lang.IllegalStateException: "
                + "no keys for you"), r.cause().error());
        assertEquals(CallStatus.ABORTED, r.call("long").status(), r.toString()); // what its thread did
        // What its thread did: it threw, no abort in sight (whether a retry was due could not be decided).
        assertEquals(CallStatus.FAILED, r.call("bug").status(), r.toString());
        assertTrue(AndonStats.get(andon.system()).internalErrors() > before);
        assertTrue(log.warningsAndErrors().stream().anyMatch(l -> l.contains("internal error")), log.warningsAndErrors().toString());
    }

    @Test
    void shouldEndARunWhoseSupervisorStoppedWithoutReporting() {
        // A listener that throws an Error stops the supervisor: the guardian still ends the run.
        RunReport r = andon.submit(JobSpec.builder("lost").call("a", new SleepCall(Duration.ofSeconds(60), null, false)).build(),
                event -> {
                    if (event instanceof RunEvent.CallStarted) throw new AssertionError("a listener's bug");
                }).report().toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
        assertEquals(RunStatus.FAILED, r.status(), r.toString());
        assertTrue(r.cause().error().contains("the run's supervisor stopped without reporting"), r.cause().error());
        assertTrue(AndonStats.get(andon.system()).lastInternalError().contains(r.id()));
    }
}
