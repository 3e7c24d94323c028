package dev.andon.run;

import dev.andon.call.RetryKeyed;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a failing call is retried before its failure counts.
 *
 * @param attempts   the most attempts in all, at least 1 (1 means no retry)
 * @param backoff    the delay before the second attempt; doubled before each further one
 * @param maxBackoff the longest delay
 * @param on         what is retried: exception class names (simple or qualified, matching
 *                   subclasses too), {@code exit=N} for commands, {@code status=NNN} or
 *                   {@code status=5xx} for HTTP; empty means any failure
 */
public record RetryPolicy(int attempts, Duration backoff, Duration maxBackoff, List<String> on) {
    public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO, List.of());

    public RetryPolicy {
        if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (backoff.isNegative()) throw new IllegalArgumentException("backoff must not be negative: " + backoff);
        if (maxBackoff.compareTo(backoff) < 0) maxBackoff = backoff;
        on = List.copyOf(on);
    }

    /** The delay after failed attempt number {@code attempt} (1-based). */
    public Duration delayAfter(int attempt) {
        Duration d = backoff;
        for (int i = 1; i < attempt && d.compareTo(maxBackoff) < 0; i++) d = d.multipliedBy(2);
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }

    /** Whether {@code failure} after attempt number {@code attempt} should be retried. */
    public boolean shouldRetry(int attempt, Throwable failure) {
        return attempt < attempts && matches(failure);
    }

    boolean matches(Throwable failure) {
        if (on.isEmpty()) return true;
        if (failure instanceof RetryKeyed keyed) {
            for (String key : keyed.retryKeys()) if (on.contains(key)) return true;
        }
        for (Class<?> c = failure.getClass(); c != null; c = c.getSuperclass()) {
            if (on.contains(c.getName()) || on.contains(c.getSimpleName())) return true;
        }
        return false;
    }
}
