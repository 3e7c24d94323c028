package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.call.BlockingCall;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * A failing thread that asks its running siblings to abort (RunSignal.stopRunning) is not left to
 * do it alone: every sibling it wakes takes a share of the slots not yet asked. Shown with the
 * failing thread held up in the middle of its loop (an abort hook of slot 1 that it runs itself,
 * and that returns only once slots 2 and on have been interrupted): only the sibling in slot 0,
 * woken before the hold, can have asked them. Without actors; each sibling counts its
 * interrupts: no slot is asked twice.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CordSpreadTest {
    private static final int SLOTS = 24;
    private static final ExecutorService POOL = Executors.newCachedThreadPool();

    @AfterAll
    static void stopPool() {
        POOL.shutdownNow();
    }

    private static final class Sink implements Attempt.Sink {
        final CountDownLatch finished = new CountDownLatch(SLOTS);
        final Map<String, Boolean> abortSeen = new ConcurrentHashMap<>();

        @Override
        public void started(Attempt a) {
        }

        @Override
        public void progressed(Attempt a) {
        }

        @Override
        public void beat(Attempt a) {
        }

        @Override
        public void output(Attempt a, String stream, String line, long skipped) {
        }

        @Override
        public void finished(Attempt a, String result, Throwable error, boolean seen) {
            abortSeen.put(a.callName(), seen && error != null);
            finished.countDown();
        }

        @Override
        public void hooksDone(Attempt a) {
        }
    }

    @RepeatedTest(10)
    void shouldHaveTheSiblingsItWakesAskTheRestWhileTheFailingThreadIsHeldUp() throws Exception {
        RunSignal signal = new RunSignal(true, SLOTS);
        Sink sink = new Sink();
        AndonStats stats = new AndonStats();
        CountDownLatch running = new CountDownLatch(SLOTS);
        CountDownLatch restInterrupted = new CountDownLatch(SLOTS - 2);
        AtomicBoolean heldUntilTheRestWereAsked = new AtomicBoolean();
        Map<Integer, AtomicInteger> interrupts = new ConcurrentHashMap<>();
        for (int slot = 0; slot < SLOTS; slot++) {
            int s = slot;
            interrupts.put(s, new AtomicInteger());
            BlockingCall<Object> call = ctx -> {
                CountDownLatch released = new CountDownLatch(1);
                if (s == 1) ctx.onAbort(() -> {
                    try {
                        heldUntilTheRestWereAsked.set(restInterrupted.await(20, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    released.countDown();
                });
                running.countDown();
                try {
                    if (s == 1) released.await(60, TimeUnit.SECONDS);
                    else Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    interrupts.get(s).incrementAndGet();
                    if (s >= 2) restInterrupted.countDown();
                    // A second interrupt, were one sent, would be seen here.
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException again) {
                        interrupts.get(s).incrementAndGet();
                    }
                    throw e;
                }
                ctx.checkpoint();
                return "released without an abort";
            };
            // The hooks run on the thread that asks (the failing one, for slot 1): that holds it.
            Attempt a = new Attempt("r", s, CallSpec.of("s" + s, call), 1, Runnable::run, sink, stats, "test",
                    signal, 1000, s);
            POOL.execute(a);
        }
        assertTrue(running.await(20, TimeUnit.SECONDS), "siblings not running");
        assertTrue(signal.pullForFailure("f", "planned failure", java.time.Instant.now()));
        signal.stopRunning(null, signal.reason()); // held in slot 1's hook until slots 2.. are interrupted

        assertTrue(heldUntilTheRestWereAsked.get(), "nobody but the held failing thread asked slots 2 and on");
        assertTrue(sink.finished.await(20, TimeUnit.SECONDS), "not every sibling finished");
        for (int s = 0; s < SLOTS; s++) {
            assertEquals(Boolean.TRUE, sink.abortSeen.get("s" + s), "s" + s + " did not end by the abort");
            // s1 is let go by its hook, and the interrupt that follows may find it gone.
            if (s == 1) assertTrue(interrupts.get(s).get() <= 1, "interrupts of s1: " + interrupts.get(s));
            else assertEquals(1, interrupts.get(s).get(), "interrupts of s" + s);
        }
    }
}
