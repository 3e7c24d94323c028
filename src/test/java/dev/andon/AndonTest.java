package dev.andon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.call.SleepCall;
import dev.andon.run.AndonStats;
import dev.andon.run.CallSpec;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunEvent;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.testutil.LogRecorder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embedding API: start, submit, abort, shutdown — and what happens after the system is gone. */
class AndonTest {
    private static final AtomicInteger systems = new AtomicInteger();
    private LogRecorder log;

    @BeforeEach
    void attach() {
        log = LogRecorder.attach();
    }

    @AfterEach
    void detach() {
        log.detach();
    }

    private static Andon start() {
        Config config = ConfigFactory.parseString("andon.shutdown.margin = 2s").withFallback(ConfigFactory.load());
        return Andon.start(config, "AndonTest-" + systems.incrementAndGet());
    }

    @Test
    void shouldRunAJobBuiltWithLambdas() {
        try (Andon andon = start()) {
            RunReport r = andon.submit(JobSpec.builder("lambdas")
                    .call("a", ctx -> 40 + 2)
                    .call("b", ctx -> ctx.callName() + "#" + ctx.attempt())
                    .build()).report().toCompletableFuture().join();
            assertEquals(RunStatus.SUCCEEDED, r.status());
            assertEquals("42", r.call("a").result());
            assertEquals("b#1", r.call("b").result());
        }
        assertEquals(List.of(), log.warningsAndErrors());
        assertEquals(List.of(), log.deadLetters());
    }

    @Test
    void abortToAckShouldBeGivenOnlyForCallsTheAbortStopped() {
        try (Andon andon = start()) {
            java.util.concurrent.CountDownLatch running = new java.util.concurrent.CountDownLatch(3);
            RunReport r = andon.submit(JobSpec.builder("abort-to-ack")
                    .call("fails", ctx -> {
                        running.countDown();
                        running.await();
                        throw new IllegalStateException("no");
                    })
                    .call("deaf-but-done", ctx -> {
                        running.countDown();
                        long until = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(300);
                        while (System.nanoTime() < until) Thread.onSpinWait(); // hears no abort, returns
                        return "kept";
                    })
                    .call("stopped", ctx -> {
                        running.countDown();
                        running.await();
                        while (true) ctx.checkpoint();
                    })
                    .build()).report().toCompletableFuture().join();
            assertEquals(RunStatus.FAILED, r.status());
            assertEquals(CallStatus.FAILED, r.call("fails").status());
            assertEquals(null, r.call("fails").abortToAckMillis(), "the failure was not stopped by an abort");
            assertEquals(CallStatus.SUCCEEDED, r.call("deaf-but-done").status());
            assertEquals("kept", r.call("deaf-but-done").result());
            assertEquals(null, r.call("deaf-but-done").abortToAckMillis(), "it returned: the abort did not stop it");
            assertEquals(CallStatus.ABORTED, r.call("stopped").status());
            assertTrue(r.call("stopped").abortToAckMillis() != null, r.toString());
        }
        assertEquals(List.of(), log.warningsAndErrors());
    }

    @Test
    void aCallShouldSeeWhetherItsThreadIsInterruptedOnAbort() {
        try (Andon andon = start()) {
            dev.andon.call.BlockingCall<Boolean> flag = dev.andon.call.WorkContext::interruptedOnAbort;
            RunReport r = andon.submit(JobSpec.builder("flags")
                    .call(dev.andon.run.CallSpec.of("default", flag))
                    .call(dev.andon.run.CallSpec.of("hooks-only", flag).withInterruptOnAbort(false))
                    .build()).report().toCompletableFuture().join();
            assertEquals("true", r.call("default").result());
            assertEquals("false", r.call("hooks-only").result());
        }
    }

    @Test
    void shouldAbortLiveRunsOnShutdownAndAwaitTheirReports() {
        Andon andon = start();
        CountDownLatch started = new CountDownLatch(2);
        JobSpec job = JobSpec.builder("long").maxParallelism(2)
                .call("a", ctx -> { started.countDown(); Thread.sleep(60_000); return 1; })
                .call("b", ctx -> { started.countDown(); Thread.sleep(60_000); return 2; })
                .call("queued", new SleepCall(Duration.ofSeconds(1), null, false))
                .build();
        var handle = andon.submit(job);
        await(started);
        andon.close();
        RunReport r = handle.report().toCompletableFuture().join();
        assertEquals(RunStatus.ABORTED, r.status());
        assertEquals("shutdown", r.abortReason());
        assertEquals(CallStatus.ABORTED, r.call("a").status());
        assertEquals(CallStatus.ABORTED, r.call("b").status());
        assertEquals(CallStatus.CANCELLED, r.call("queued").status());
        assertTrue(andon.whenTerminated().toCompletableFuture().isDone());
        assertEquals(List.of(), log.warningsAndErrors());
        assertEquals(List.of(), log.deadLetters());
    }

    @Test
    void shouldRejectRunsAfterShutdown() {
        Andon andon = start();
        andon.close();
        var handle = andon.submit(JobSpec.builder("late").call("a", ctx -> 1).build());
        CompletionException e = assertThrows(CompletionException.class, () -> handle.report().toCompletableFuture().join());
        assertTrue(e.getCause() instanceof IllegalStateException);
    }

    @Test
    void shouldRefuseAJobOnAnUnknownDispatcher() {
        try (Andon andon = start()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    andon.submit(JobSpec.builder("bad").dispatcher("no.such.dispatcher").call("a", ctx -> 1).build()));
            assertTrue(e.getMessage().contains("no.such.dispatcher"));
        }
    }

    @Test
    void shouldAbortARunById() {
        try (Andon andon = start()) {
            CountDownLatch started = new CountDownLatch(1);
            var handle = andon.submit(JobSpec.builder("abortable")
                    .call("a", ctx -> { started.countDown(); Thread.sleep(60_000); return 1; }).build());
            await(started);
            assertTrue(andon.abort(handle.id(), "enough"));
            RunReport r = handle.report().toCompletableFuture().join();
            assertEquals(RunStatus.ABORTED, r.status());
            assertEquals("enough", r.abortReason());
            assertEquals(false, andon.abort(handle.id(), "again"));
        }
    }

    @Test
    void shouldShowLiveStateInASnapshot() throws Exception {
        try (Andon andon = start()) {
            CountDownLatch progressed = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            var handle = andon.submit(JobSpec.builder("live").maxParallelism(1)
                    .call("a", ctx -> { ctx.progress("working"); progressed.countDown(); release.await(); return 1; })
                    .call("b", ctx -> 2).build(), e -> { });
            await(progressed);
            RunReport snap = null;
            for (int i = 0; i < 50; i++) { // the progress message travels through two actors
                snap = andon.snapshot(handle.id()).toCompletableFuture().get(5, TimeUnit.SECONDS).orElseThrow();
                if ("working".equals(snap.call("a").progress())) break;
                Thread.sleep(10);
            }
            assertEquals(RunStatus.RUNNING, snap.status());
            assertEquals(CallStatus.RUNNING, snap.call("a").status());
            assertEquals("working", snap.call("a").progress());
            assertEquals(CallStatus.QUEUED, snap.call("b").status());
            release.countDown();
            assertEquals(RunStatus.SUCCEEDED, handle.report().toCompletableFuture().join().status());
        }
    }

    /**
     * The seed's bug: a blocking call that completes after the loop (here, the actor system) is
     * closed. In Andon it is logged once at INFO, never as an error or a rejected execution.
     */
    @Test
    void shouldLogALateCompletionAfterTheSystemIsGoneAtInfoOnly() throws Exception {
        Andon andon = start();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        var handle = andon.submit(JobSpec.builder("deaf").abortGrace(Duration.ofMillis(100))
                .call("fails", ctx -> { Thread.sleep(50); throw new IllegalStateException("x"); })
                .call(CallSpec.of("deaf", ctx -> {
                    try {
                        while (!release.await(10, TimeUnit.SECONDS)) Thread.onSpinWait();
                        ctx.progress("still here"); // after the system is gone: must go nowhere, quietly
                        return "late";
                    } finally {
                        finished.countDown();
                    }
                }).withInterruptOnAbort(false)).build(), (RunEvent e) -> { });
        RunReport r = handle.report().toCompletableFuture().join();
        assertEquals(CallStatus.ABANDONED, r.call("deaf").status());
        AndonStats stats = AndonStats.get(andon.system());
        andon.close();
        assertTrue(andon.whenTerminated().toCompletableFuture().isDone());
        log.clear();

        release.countDown();
        assertTrue(finished.await(5, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (stats.lateCompletions() == 0 && System.nanoTime() < deadline) Thread.sleep(5);
        Thread.sleep(200); // anything that would be logged after the completion has time to be
        assertEquals(1, stats.lateCompletions());
        // Only this run's: an abandoned call of an earlier test in this JVM may finish late meanwhile.
        List<String> late = log.containing("finished late").stream().filter(l -> l.contains(handle.id())).toList();
        assertEquals(1, late.size(), log.containing("finished late").toString());
        assertTrue(late.get(0).startsWith("INFO"));
        assertEquals(List.of(), log.warningsAndErrors());
        assertEquals(List.of(), log.deadLetters());
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
