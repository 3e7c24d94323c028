package dev.andon.run;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
 * <p>Thread-safe and lock-free.
 */
final class RunSignal {
    /**
     * The cord as pulled: why, what kind of abort, when ({@code System.nanoTime()}), and, when a
     * failing call pulled it, that call's name and error ({@code null} otherwise).
     */
    record Pulled(String reason, AbortKind kind, long atNanos, String failedCall, String error) {
    }

    private static final VarHandle PULLED;

    static {
        try {
            PULLED = MethodHandles.lookup().findVarHandle(RunSignal.class, "pulled", Pulled.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final boolean failuresPull;
    private volatile Pulled pulled;

    /** @param failuresPull whether a failing call pulls the cord itself (the job is fail-fast) */
    RunSignal(boolean failuresPull) {
        this.failuresPull = failuresPull;
    }

    /** Pulls the cord unless it is already pulled; {@code true} if this pulled it. */
    boolean pull(String reason, AbortKind kind) {
        return pulled == null && PULLED.compareAndSet(this, null, new Pulled(reason, kind, System.nanoTime(), null, null));
    }

    /**
     * On the thread of call {@code call}, which has just failed for good (it threw with no abort
     * in sight, and no retry is due): pulls the cord for it, if the job is fail-fast and nothing
     * has pulled it yet. {@code true} if this pulled it: the supervisor must then be told.
     */
    boolean pullForFailure(String call, String error) {
        return failuresPull && pulled == null
                && PULLED.compareAndSet(this, null, new Pulled(call + " failed", AbortKind.SIBLING_FAILED, System.nanoTime(), call, error));
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
