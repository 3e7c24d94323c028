package dev.andon.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A run's cord, visible to every one of its calls at once. Pulled once, by whoever comes first:
 * the supervisor (an abort from outside, the deadline, a timeout that fails the run), or — under
 * fail-fast — the thread of a call that has just failed for good, which then need not wait for
 * its worker and the supervisor to hear of it before its siblings see the abort. A call that
 * polls {@code abortRequested()} sees the cord at once; the supervisor, told by that thread,
 * then closes the queue and tells every worker (hooks, interrupts). Never cleared.
 *
 * <p>The pull is one compare-and-set of an immutable {@link Pulled}, so it also records which
 * failure came first in time when several calls fail together: that is the run's cause. The
 * supervisor still decides the run's status and report; it reads the cause from here.
 *
 * <p>The failing thread that pulls it also stops the siblings running now itself (see
 * {@link #stopRunning}): each parallel slot's attempt registers here as it begins. It is not left
 * to do that alone: every sibling it wakes takes its share of the slots not yet asked (see
 * {@link #helpStop}), so that the asking spreads like a broadcast over all the cores rather than
 * queue behind one thread (on two cores each woken sibling would otherwise take the core from the
 * failing thread in the middle of its loop). The workers' aborts, which follow, find those already
 * asked and go on from there (grace, ack); they also reach whatever was missed (an attempt that
 * began just after its slot was looked at).
 *
 * <p>Thread-safe and lock-free.
 */
final class RunSignal {
    /**
     * The cord as pulled: why, what kind of abort, when ({@code System.nanoTime()}), and, when a
     * failing call pulled it, that call's name, error and end ({@code null} otherwise).
     */
    record Pulled(String reason, AbortKind kind, long atNanos, String failedCall, String error, java.time.Instant endedAt) {
    }

    private static final VarHandle PULLED;
    private static final VarHandle NEXT_TO_STOP;

    static {
        try {
            PULLED = MethodHandles.lookup().findVarHandle(RunSignal.class, "pulled", Pulled.class);
            NEXT_TO_STOP = MethodHandles.lookup().findVarHandle(RunSignal.class, "nextToStop", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final boolean failuresPull;
    private volatile Pulled pulled;
    private final AtomicReferenceArray<Attempt> running; // by slot: the attempt that began last in it
    // The next slot whose attempt is to be asked to stop; -1 until a failing thread begins (stopRunning).
    private volatile int nextToStop = -1;

    /** @param failuresPull whether a failing call pulls the cord itself (the job is fail-fast) */
    RunSignal(boolean failuresPull) {
        this(failuresPull, 0);
    }

    /** @param slots how many parallel slots may {@link #began} attempts */
    RunSignal(boolean failuresPull, int slots) {
        this.failuresPull = failuresPull;
        this.running = new AtomicReferenceArray<>(slots);
    }

    /** On its thread, as {@code attempt} begins in {@code slot} (-1: none). */
    void began(int slot, Attempt attempt) {
        if (slot >= 0 && slot < running.length()) running.set(slot, attempt);
    }

    /**
     * On the thread of {@code failed}, which has just pulled the cord for its failure: asks every
     * other attempt running now to abort (hooks, interrupt), as its worker would, so that the
     * siblings begin to stop now rather than once the supervisor and their workers have heard.
     * An attempt already over is left as it is.
     */
    void stopRunning(Attempt failed, String reason) {
        NEXT_TO_STOP.compareAndSet(this, -1, 0);
        stopSlots(failed, reason);
    }

    /**
     * On the thread of an attempt that has just left its call having seen the cord ({@code self},
     * which is not asked): while {@link #stopRunning} has slots left, takes the next one and asks
     * its attempt to abort, for the cord's reason, as {@code stopRunning} does. Each slot is taken
     * by one thread only; nothing happens unless a failing thread has begun (an abort from outside
     * goes through the workers alone). A volatile read when there is nothing left to do.
     */
    void helpStop(Attempt self) {
        int next = nextToStop;
        if (next >= 0 && next < running.length()) stopSlots(self, reason());
    }

    private void stopSlots(Attempt self, String reason) {
        int n = running.length();
        for (int i; (i = (int) NEXT_TO_STOP.getAndAdd(this, 1)) < n; ) {
            Attempt a = running.get(i);
            if (a != null && a != self && !a.isOver()) a.requestAbort(reason);
        }
    }

    /** Pulls the cord unless it is already pulled; {@code true} if this pulled it. */
    boolean pull(String reason, AbortKind kind) {
        return pulled == null && PULLED.compareAndSet(this, null, new Pulled(reason, kind, System.nanoTime(), null, null, null));
    }

    /**
     * On the thread of call {@code call}, which has just failed for good (it threw with no abort
     * in sight, and no retry is due) and ended at {@code endedAt}: pulls the cord for it, if the
     * job is fail-fast and nothing has pulled it yet. {@code true} if this pulled it: the
     * supervisor must then be told.
     */
    boolean pullForFailure(String call, String error, java.time.Instant endedAt) {
        return failuresPull && pulled == null
                && PULLED.compareAndSet(this, null, new Pulled(call + " failed", AbortKind.SIBLING_FAILED, System.nanoTime(), call, error,
                endedAt));
    }

    /** The cord, or {@code null} while it is not pulled. */
    Pulled pulled() {
        return pulled;
    }

    /** The reason, or {@code null} while the cord has not been pulled. */
    String reason() {
        Pulled p = pulled;
        return p == null ? null : p.reason();
    }
}
