package dev.andon.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * How one call ended (or, in a live snapshot, where it stands).
 *
 * @param abortToAckMillis for calls asked to abort: from the abort request to the ack, or to
 *                         giving up ({@code ABANDONED}); {@code null} otherwise
 * @param thread           the blocking-dispatcher thread of its last attempt
 * @param stackTrace       for {@code ABANDONED}: what the thread was doing when given up on
 * @param details          kind-specific facts: exit code, output tails, HTTP status
 * @param attemptTimes     for a call tried more than once: each attempt's start and end (the last
 *                         one's end is {@code null} while it runs or when it was abandoned); empty otherwise
 * @param lastHeartbeatAt  in a live snapshot: when the running call last gave a sign of life
 *                         (progress, a line of output, a heartbeat); {@code null} before its first
 *                         and in a final report
 */
public record CallReport(String name, CallStatus status, int attempts, Instant startedAt, Instant finishedAt,
                         Long durationMillis, String result, String error, Long abortToAckMillis, String thread,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String progress,
                         @JsonInclude(JsonInclude.Include.NON_NULL) List<String> stackTrace,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Object> details,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Attempt> attemptTimes,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Instant lastHeartbeatAt) {
    @JsonCreator
    public CallReport {
        stackTrace = stackTrace == null ? null : List.copyOf(stackTrace);
        details = details == null ? Map.of() : Map.copyOf(details);
        attemptTimes = attemptTimes == null ? List.of() : List.copyOf(attemptTimes);
    }

    /** A finished call (no {@code lastHeartbeatAt}). */
    public CallReport(String name, CallStatus status, int attempts, Instant startedAt, Instant finishedAt,
                      Long durationMillis, String result, String error, Long abortToAckMillis, String thread,
                      String progress, List<String> stackTrace, Map<String, Object> details, List<Attempt> attemptTimes) {
        this(name, status, attempts, startedAt, finishedAt, durationMillis, result, error, abortToAckMillis, thread,
                progress, stackTrace, details, attemptTimes, null);
    }

    /** A call tried once (no {@code attemptTimes}). */
    public CallReport(String name, CallStatus status, int attempts, Instant startedAt, Instant finishedAt,
                      Long durationMillis, String result, String error, Long abortToAckMillis, String thread,
                      String progress, List<String> stackTrace, Map<String, Object> details) {
        this(name, status, attempts, startedAt, finishedAt, durationMillis, result, error, abortToAckMillis, thread,
                progress, stackTrace, details, null, null);
    }

    /** One attempt of a retried call: {@code finishedAt} is {@code null} while it runs or once abandoned. */
    public record Attempt(Instant startedAt, Instant finishedAt) {
    }

    /** A call that never started, with the outcome {@link Outcomes} gave it. */
    static CallReport notStarted(String name, CallStatus status) {
        return new CallReport(name, status, 0, null, null, null, null, null, null, null, null, null, null);
    }

    /** A live call that has not finished, before its first sign of life. */
    public static CallReport live(String name, CallStatus status, int attempts, Instant startedAt, String thread,
                                  String progress) {
        return live(name, status, attempts, startedAt, thread, progress, null);
    }

    /** A live call that has not finished, for snapshots. */
    public static CallReport live(String name, CallStatus status, int attempts, Instant startedAt, String thread,
                                  String progress, Instant lastHeartbeatAt) {
        return new CallReport(name, status, attempts, startedAt, null, null, null, null, null, thread, progress, null, null,
                null, lastHeartbeatAt);
    }
}
