package dev.andon.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/**
 * A run's report: every call's outcome, the run's status and its cause. Also the shape of a live
 * snapshot, with {@code status} {@code RUNNING} or {@code ABORTING} and unfinished calls.
 *
 * @param cause       the first failure (or the deadline), {@code null} unless {@code FAILED}
 * @param abortReason why the run was aborted, {@code null} if it was not
 * @param abortedAt   when the cord was pulled (the abort was requested), {@code null} if it was not
 * @param trigger     how the run was started; {@code null} only in a supervisor's own report,
 *                    before {@link dev.andon.Andon} adds it
 */
public record RunReport(String id, String job, RunStatus status, Cause cause, String abortReason,
                        Instant startedAt, Instant finishedAt, Long durationMillis, List<CallReport> calls,
                        Instant abortedAt, @JsonInclude(JsonInclude.Include.NON_NULL) Trigger trigger) {
    @JsonCreator
    public RunReport {
        calls = calls instanceof CallReports ? calls : List.copyOf(calls); // CallReports is immutable
    }

    /** A report without a trigger (as a run's supervisor makes it). */
    public RunReport(String id, String job, RunStatus status, Cause cause, String abortReason,
                     Instant startedAt, Instant finishedAt, Long durationMillis, List<CallReport> calls,
                     Instant abortedAt) {
        this(id, job, status, cause, abortReason, startedAt, finishedAt, durationMillis, calls, abortedAt, null);
    }

    /** A report of a run whose cord was not pulled. */
    public RunReport(String id, String job, RunStatus status, Cause cause, String abortReason,
                     Instant startedAt, Instant finishedAt, Long durationMillis, List<CallReport> calls) {
        this(id, job, status, cause, abortReason, startedAt, finishedAt, durationMillis, calls, null, null);
    }

    /** This report, saying how its run was started. */
    public RunReport withTrigger(Trigger trigger) {
        return new RunReport(id, job, status, cause, abortReason, startedAt, finishedAt, durationMillis, calls,
                abortedAt, trigger);
    }

    /** This report with {@code calls} instead of its own. */
    public RunReport withCalls(List<CallReport> calls) {
        return new RunReport(id, job, status, cause, abortReason, startedAt, finishedAt, durationMillis, calls,
                abortedAt, trigger);
    }

    /** The run this one repeats ({@code trigger.rerunOf}), or {@code null}. */
    @JsonProperty("rerunOf")
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public String rerunOf() {
        return trigger == null ? null : trigger.rerunOf();
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
