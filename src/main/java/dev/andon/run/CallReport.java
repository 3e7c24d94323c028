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
 * @param abortToAckMicros {@code abortToAckMillis} in microseconds, where the engine measured it
 *                         (a cooperative call acks well within a millisecond); {@code null}
 *                         otherwise, and always when {@code abortToAckMillis} is
 */
public record CallReport(String name, CallStatus status, int attempts, Instant startedAt, Instant finishedAt,
                         Long durationMillis, String result, String error, Long abortToAckMillis, String thread,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String progress,
                         @JsonInclude(JsonInclude.Include.NON_NULL) List<String> stackTrace,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, Object> details,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Attempt> attemptTimes,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Instant lastHeartbeatAt,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Long abortToAckMicros) {
    @JsonCreator
    public CallReport {
        stackTrace = stackTrace == null ? null : List.copyOf(stackTrace);
        details = details == null ? Map.of() : Map.copyOf(details);
        attemptTimes = attemptTimes == null ? List.of() : List.copyOf(attemptTimes);
        if (abortToAckMillis == null) abortToAckMicros = null;
    }

    /** A report whose abort-to-ack, if any, is in whole milliseconds only. */
    public CallReport(String name, CallStatus status, int attempts, Instant startedAt, Instant finishedAt,
                      Long durationMillis, String result, String error, Long abortToAckMillis, String thread,
                      String progress, List<String> stackTrace, Map<String, Object> details, List<Attempt> attemptTimes,
                      Instant lastHeartbeatAt) {
        this(name, status, attempts, startedAt, finishedAt, durationMillis, result, error, abortToAckMillis, thread,
                progress, stackTrace, details, attemptTimes, lastHeartbeatAt, null);
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

    /** A report of call {@code name} with {@code status}, every other field empty until set. */
    public static Builder builder(String name, CallStatus status) {
        return new Builder(name, status);
    }

    /** Builds a {@link CallReport} field by field, rather than through fifteen positional arguments. */
    public static final class Builder {
        private final String name;
        private final CallStatus status;
        private int attempts;
        private Instant startedAt;
        private Instant finishedAt;
        private Long durationMillis;
        private String result;
        private String error;
        private Long abortToAckMillis;
        private String thread;
        private String progress;
        private List<String> stackTrace;
        private Map<String, Object> details;
        private List<Attempt> attemptTimes;
        private Instant lastHeartbeatAt;
        private Long abortToAckMicros;

        private Builder(String name, CallStatus status) {
            this.name = name;
            this.status = status;
        }

        public Builder attempts(int attempts) {
            this.attempts = attempts;
            return this;
        }

        /** When its first attempt started, and when it ended (both null if it never ran). */
        public Builder ran(Instant startedAt, Instant finishedAt) {
            this.startedAt = startedAt;
            this.finishedAt = finishedAt;
            return this;
        }

        public Builder durationMillis(Long durationMillis) {
            this.durationMillis = durationMillis;
            return this;
        }

        public Builder result(String result) {
            this.result = result;
            return this;
        }

        public Builder error(String error) {
            this.error = error;
            return this;
        }

        public Builder abortToAckMillis(Long abortToAckMillis) {
            this.abortToAckMillis = abortToAckMillis;
            return this;
        }

        /** The abort-to-ack as measured, in nanoseconds: in whole milliseconds and in microseconds. */
        public Builder abortToAckNanos(long nanos) {
            this.abortToAckMillis = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(nanos);
            this.abortToAckMicros = java.util.concurrent.TimeUnit.NANOSECONDS.toMicros(nanos);
            return this;
        }

        public Builder thread(String thread) {
            this.thread = thread;
            return this;
        }

        public Builder progress(String progress) {
            this.progress = progress;
            return this;
        }

        public Builder stackTrace(List<String> stackTrace) {
            this.stackTrace = stackTrace;
            return this;
        }

        public Builder details(Map<String, Object> details) {
            this.details = details;
            return this;
        }

        public Builder attemptTimes(List<Attempt> attemptTimes) {
            this.attemptTimes = attemptTimes;
            return this;
        }

        public Builder lastHeartbeatAt(Instant lastHeartbeatAt) {
            this.lastHeartbeatAt = lastHeartbeatAt;
            return this;
        }

        public CallReport build() {
            return new CallReport(name, status, attempts, startedAt, finishedAt, durationMillis, result, error,
                    abortToAckMillis, thread, progress, stackTrace, details, attemptTimes, lastHeartbeatAt, abortToAckMicros);
        }
    }

    /** A call that never started, with the outcome {@link Outcomes} gave it. */
    static CallReport notStarted(String name, CallStatus status) {
        return builder(name, status).build();
    }

    /** A live call that has not finished, before its first sign of life. */
    public static CallReport live(String name, CallStatus status, int attempts, Instant startedAt, String thread,
                                  String progress) {
        return live(name, status, attempts, startedAt, thread, progress, null);
    }

    /** A live call that has not finished, for snapshots. */
    public static CallReport live(String name, CallStatus status, int attempts, Instant startedAt, String thread,
                                  String progress, Instant lastHeartbeatAt) {
        return builder(name, status).attempts(attempts).ran(startedAt, null).thread(thread).progress(progress)
                .lastHeartbeatAt(lastHeartbeatAt).build();
    }
}
