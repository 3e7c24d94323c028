package dev.andon.run;

/**
 * A run's cord, visible to every one of its calls at once: the supervisor pulls it before it
 * tells a single worker, so a call that polls {@code abortRequested()} sees the abort without
 * waiting for its worker to be scheduled. Set once; never cleared.
 *
 * <p>Thread-safe: written by the supervisor, read by the calls' threads and the workers. The
 * kind and time are written before the reason (volatile), so a reader that sees the reason sees
 * them too.
 */
final class RunSignal {
    private AbortKind kind;
    private long atNanos;
    private volatile String reason;

    /** Pulls the cord; only the first pull counts. Called by the supervisor only. */
    void pull(String reason, AbortKind kind) {
        if (this.reason != null) return;
        this.kind = kind;
        this.atNanos = System.nanoTime();
        this.reason = reason;
    }

    /** The reason, or {@code null} while the cord has not been pulled. */
    String reason() {
        return reason;
    }

    /** The kind; valid once {@link #reason()} returned non-null. */
    AbortKind kind() {
        return kind;
    }

    /** When it was pulled ({@code System.nanoTime()}); valid once {@link #reason()} returned non-null. */
    long atNanos() {
        return atNanos;
    }
}
