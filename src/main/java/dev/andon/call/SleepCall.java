package dev.andon.call;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@code sleep} kind, a demonstration call: sleeps {@code duration} in small steps, checking
 * the abort signal between them; {@code fail} makes it throw {@link IllegalStateException} with
 * that message at the end; {@code ignore-abort} makes it deaf to abort signals and interrupts (to
 * show {@code ABANDONED}). Returns the duration in seconds ({@code "2"}, {@code "0.5"}).
 */
public final class SleepCall implements BlockingCall<String> {
    // Small enough that an abort is seen within milliseconds even without an interrupt,
    // large enough that a sleeping call costs nothing measurable.
    private static final long STEP_NANOS = Duration.ofMillis(5).toNanos();

    private final Duration duration;
    private final String fail;
    private final boolean ignoreAbort;

    public SleepCall(Duration duration, String fail, boolean ignoreAbort) {
        this.duration = Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) throw new IllegalArgumentException("duration must not be negative: " + duration);
        this.fail = fail;
        this.ignoreAbort = ignoreAbort;
    }

    @Override
    public String call(WorkContext ctx) throws InterruptedException {
        long end = System.nanoTime() + duration.toNanos();
        boolean interrupted = false;
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            if (!ignoreAbort) ctx.checkpoint();
            try {
                Thread.sleep(Math.max(1, Math.min(left, STEP_NANOS) / 1_000_000));
            } catch (InterruptedException e) {
                if (!ignoreAbort) throw e;
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (fail != null) throw new IllegalStateException(fail);
        return BigDecimal.valueOf(duration.toMillis()).movePointLeft(3).stripTrailingZeros().toPlainString();
    }

    @Override
    public String toString() {
        return "sleep " + duration + (fail != null ? " then fail" : "") + (ignoreAbort ? " ignoring abort" : "");
    }
}
