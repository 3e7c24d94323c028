package dev.andon.run;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A run's queue of calls not yet begun: only a cursor over the job's call list. Calls are
 * claimed in order, each exactly once, by the supervisor (for an idle worker) or by a worker's
 * thread that has just finished a call and takes the next one itself (see {@link CallWorker}).
 * {@link #close()} ends all claiming at once, so that what it returns — the calls still queued —
 * can be reported {@code CANCELLED} with certainty that none of them will ever start.
 *
 * <p>Thread-safe and lock-free.
 */
final class RunQueue {
    private static final int CLOSED = Integer.MAX_VALUE;

    private final int size;
    private final AtomicInteger next = new AtomicInteger();

    RunQueue(int size) {
        this.size = size;
    }

    /** Claims the next queued call: its index, or -1 when none is left or the queue is closed. */
    int claim() {
        for (;;) {
            int i = next.get();
            if (i >= size) return -1;
            if (next.compareAndSet(i, i + 1)) return i;
        }
    }

    /** Closes the queue; returns the index of its first unclaimed call ({@code size} if none). */
    int close() {
        return Math.min(next.getAndSet(CLOSED), size);
    }
}
