package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.call.BlockingCall;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An attempt's state machine on its own, without actors: who owns its ending is decided once,
 * however the thread's end, a cancel, an abort and an abandonment race.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AttemptTest {
    private static final ExecutorService POOL = Executors.newCachedThreadPool();

    @AfterAll
    static void stopPool() {
        POOL.shutdownNow();
    }

    /** What the attempt's thread told its worker, in order. */
    private static final class Recorder implements Attempt.Sink {
        final List<String> told = new CopyOnWriteArrayList<>();
        final CountDownLatch finished = new CountDownLatch(1);
        final CountDownLatch hooksDone = new CountDownLatch(1);

        @Override
        public void started(Attempt a) {
            told.add("started");
        }

        @Override
        public void progressed(Attempt a) {
            told.add("progressed " + a.takeProgress());
        }

        @Override
        public void beat(Attempt a) {
            told.add("beat");
        }

        @Override
        public void output(Attempt a, String stream, String line, long skipped) {
            told.add("output " + line);
        }

        @Override
        public void finished(Attempt a, String result, Throwable error, boolean abortSeen) {
            told.add("finished " + (error == null ? "returned " + result : "threw " + error.getMessage())
                    + (abortSeen ? " after abort" : ""));
            finished.countDown();
        }

        @Override
        public void hooksDone(Attempt a) {
            told.add("hooks done");
            hooksDone.countDown();
        }
    }

    private final AndonStats stats = new AndonStats();

    private Attempt attempt(BlockingCall<?> call, Recorder sink, boolean interruptOnAbort) {
        CallSpec spec = CallSpec.of("c", call).withInterruptOnAbort(interruptOnAbort);
        return new Attempt("r", 0, spec, 1, POOL, sink, stats, "test-pool", new RunSignal(true), 1000);
    }

    @Test
    void shouldNeverRunAnAttemptCancelledWhileQueued() {
        AtomicBoolean ran = new AtomicBoolean();
        Recorder sink = new Recorder();
        Attempt a = attempt(ctx -> ran.getAndSet(true), sink, true);
        assertTrue(a.cancelIfPending());
        a.run();
        assertFalse(ran.get());
        assertEquals(List.of(), sink.told);
        assertTrue(a.isOver());
        assertFalse(a.abandon());
        assertFalse(a.cancelIfPending());
    }

    @Test
    void shouldTellItsStartProgressAndEndAndThenBeOverForGood() {
        Recorder sink = new Recorder();
        Attempt a = attempt(ctx -> {
            ctx.progress("half");
            return 42;
        }, sink, true);
        a.run();
        assertEquals(List.of("started", "progressed half", "finished returned 42"), sink.told);
        assertTrue(a.isOver());
        assertFalse(a.cancelIfPending());
        assertFalse(a.abandon());
        assertFalse(a.requestAbort("late"), "no hooks run for an attempt that is over");
    }

    @Test
    void shouldRunTheHooksOnceInOrderThenInterruptThenSayHooksDone() throws Exception {
        Recorder sink = new Recorder();
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch inCall = new CountDownLatch(1);
        Attempt a = attempt(ctx -> {
            ctx.onAbort(() -> order.add("hook 1"));
            ctx.onAbort(() -> {
                order.add("hook 2");
                throw new IllegalStateException("a hook that throws");
            });
            ctx.onAbort(() -> order.add("hook 3"));
            inCall.countDown();
            try {
                Thread.sleep(60_000);
                return "slept";
            } catch (InterruptedException e) {
                order.add("interrupted");
                throw e;
            }
        }, sink, true);
        POOL.execute(a);
        assertTrue(inCall.await(30, TimeUnit.SECONDS));
        assertTrue(a.requestAbort("stop"));
        a.requestAbort("again"); // the first abort is the only one: no hook runs twice (the order below)
        assertTrue(sink.hooksDone.await(30, TimeUnit.SECONDS));
        assertFalse(a.requestAbort("once more"), "asked again after its hooks: none running, no hooksDone to wait for");
        assertTrue(sink.finished.await(30, TimeUnit.SECONDS));
        assertEquals(List.of("hook 1", "hook 2", "hook 3", "interrupted"), order);
        assertTrue(sink.told.contains("finished threw sleep interrupted after abort"), sink.told::toString);
    }

    @Test
    void shouldTellTheEndOfAnAbandonedAttemptToNoOneButTheCounters() throws Exception {
        Recorder sink = new Recorder();
        CountDownLatch inCall = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Attempt a = attempt(ctx -> {
            inCall.countDown();
            release.await();
            return "late";
        }, sink, false);
        CountDownLatch threadDone = new CountDownLatch(1);
        POOL.execute(() -> {
            a.run();
            threadDone.countDown();
        });
        assertTrue(inCall.await(30, TimeUnit.SECONDS));
        long late = stats.lateCompletions();
        assertTrue(a.abandon());
        assertFalse(a.abandon());
        release.countDown();
        assertTrue(threadDone.await(30, TimeUnit.SECONDS));
        assertEquals(List.of("started"), sink.told);
        assertEquals(late + 1, stats.lateCompletions());
    }

    @Test
    void shouldGiveAnEndingToExactlyOneOfTheThreadAndTheAbandonmentWhenTheyRace() throws Exception {
        int abandoned = 0;
        int completed = 0;
        for (int round = 0; round < 2_000; round++) {
            Recorder sink = new Recorder();
            Attempt a = attempt(ctx -> "quick", sink, false);
            CountDownLatch threadDone = new CountDownLatch(1);
            POOL.execute(() -> {
                a.run();
                threadDone.countDown();
            });
            while (a.startedAt() == null) Thread.onSpinWait();
            boolean gaveUp = a.abandon();
            assertTrue(threadDone.await(30, TimeUnit.SECONDS));
            boolean told = sink.told.stream().anyMatch(s -> s.startsWith("finished"));
            assertTrue(gaveUp != told, "round " + round + ": abandoned " + gaveUp + ", told " + sink.told);
            if (gaveUp) abandoned++;
            else completed++;
        }
        assertEquals(2_000, abandoned + completed);
        assertEquals(abandoned, stats.abandonedTotal());
        assertEquals(abandoned, stats.lateCompletions());
    }
}
