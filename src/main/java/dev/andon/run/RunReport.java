package dev.andon.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.time.Instant;
import java.util.List;

/**
 * A run's report: every call's outcome, the run's status and its cause. Also the shape of a live
 * snapshot, with {@code status} {@code RUNNING} or {@code ABORTING} and unfinished calls.
 *
 * @param cause       the first failure (or the deadline), {@code null} unless {@code FAILED}
 * @param abortReason why the run was aborted, {@code null} if it was not
 * @param abortedAt   when the cord was pulled (the abort was requested), {@code null} if it was not
 */
public record RunReport(String id, String job, RunStatus status, Cause cause, String abortReason,
                        Instant startedAt, Instant finishedAt, Long durationMillis, List<CallReport> calls,
                        Instant abortedAt) {
    @JsonCreator
    public RunReport {
        calls = List.copyOf(calls);
    }

    /** A report of a run whose cord was not pulled. */
    public RunReport(String id, String job, RunStatus status, Cause cause, String abortReason,
                     Instant startedAt, Instant finishedAt, Long durationMillis, List<CallReport> calls) {
        this(id, job, status, cause, abortReason, startedAt, finishedAt, durationMillis, calls, null);
    }

    /** The first failure of a run: the call ({@code null} for the deadline) and its error. */
    public record Cause(String call, String error) {
    }

    /** The report of the call named {@code name}, or {@code null}. */
    public CallReport call(String name) {
        for (CallReport c : calls) if (c.name().equals(name)) return c;
        return null;
    }
}
