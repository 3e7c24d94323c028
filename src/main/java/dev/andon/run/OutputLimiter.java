package dev.andon.run;

/**
 * How many output lines of one call become events: at most {@code perSecond} in each second
 * (fixed windows, the first one opening with the first line); the lines over the limit are
 * counted, and the count is told once, with the next line let through or when the call ends.
 * A pure rule of counts and times ({@code System.nanoTime()} values passed in).
 *
 * <p>Not thread-safe: its owner serialises the calls (a command's two pipe readers share one).
 */
final class OutputLimiter {
    private static final long SECOND = 1_000_000_000L;

    private final int perSecond;
    private long windowStart;
    private boolean started;
    private int inWindow;
    private long skipped;

    /** @throws IllegalArgumentException if {@code perSecond} is negative */
    OutputLimiter(int perSecond) {
        if (perSecond < 0) throw new IllegalArgumentException("perSecond must not be negative: " + perSecond);
        this.perSecond = perSecond;
    }

    /**
     * A line at {@code nowNanos}: -1 when it is over the limit (it is counted and dropped), else
     * how many lines were dropped since the last one let through (0 mostly), which the caller tells before it.
     */
    long offer(long nowNanos) {
        if (!started || nowNanos - windowStart >= SECOND) {
            started = true;
            windowStart = nowNanos;
            inWindow = 0;
        }
        if (inWindow >= perSecond) {
            skipped++;
            return -1;
        }
        inWindow++;
        long told = skipped;
        skipped = 0;
        return told;
    }

    /** The lines dropped and not told yet, now told (at the call's end). */
    long takeSkipped() {
        long told = skipped;
        skipped = 0;
        return told;
    }
}
