package dev.andon.service;

/**
 * How many bytes of posted job bodies ({@code POST /runs}) are read and parsed at once
 * ({@code andon.http.max-parsing-bytes}): a body is held in memory whole, and parsed into a tree
 * many times its size, so that 32 bodies of a megabyte at once kept some 200 MB live and the heap
 * churning (young pauses of 0.7-1.5 s on a loaded machine, /health waiting behind them). A body
 * the budget has no room for gets 503 at once, before it is read.
 *
 * <p>Thread-safe.
 */
final class ParsingBudget {
    private final long budget;
    private long inFlight; // guarded by this

    ParsingBudget(long budget) {
        if (budget < 1) throw new IllegalArgumentException("budget must be positive: " + budget);
        this.budget = budget;
    }

    /**
     * Whether a body of {@code bytes} may be read and parsed while {@code inFlight} bytes are: when
     * it fits in {@code budget}, or when nothing else is in flight (so that one body larger than
     * the budget is still served, alone).
     */
    static boolean admits(long inFlight, long bytes, long budget) {
        return inFlight == 0 || inFlight + bytes <= budget;
    }

    /** Takes {@code bytes} of the budget if it admits them; each taking is given back once, with {@link #give}. */
    synchronized boolean take(long bytes) {
        if (!admits(inFlight, bytes, budget)) return false;
        inFlight += bytes;
        return true;
    }

    synchronized void give(long bytes) {
        inFlight -= bytes;
    }

    /** The bytes in flight now. */
    synchronized long inFlight() {
        return inFlight;
    }
}
