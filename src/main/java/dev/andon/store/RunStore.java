package dev.andon.store;

import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Where runs are recorded: each run's submission (its job spec as submitted, its
 * trigger), its calls' outcomes, the processes its command calls started, and its final report.
 *
 * <h2>Durability</h2>
 * {@link #submitted}, {@link #finished} and {@link #scheduleChanged} complete their stages only
 * once what they record is committed: a caller acknowledges a run (202, run-finished, an exit status) only then. The other
 * writes ({@link #callStarted}, {@link #callFinished}, {@link #abortRequested},
 * {@link #processStarted}) are committed within {@code andon.store.flush-interval}, many in one
 * transaction, and in the order they were made: a run's final report is never committed before
 * its calls' outcomes.
 *
 * <h2>Threading</h2>
 * Every method is thread-safe. The write methods never block (they queue the write for the
 * store's own thread, which no abort ever interrupts); their stages complete on that thread, so
 * what a caller chains onto them must be quick. A write that fails is retried with backoff and
 * logged until it succeeds, and {@link #health()} says so meanwhile. The read methods block on
 * the database; call them off actor threads (the service uses {@link #readExecutor()}).
 */
public interface RunStore extends AutoCloseable {

    /** A run as submitted. {@code spec} is its job's settings and calls as JSON, or {@code null} (a Java-built job). */
    record Submission(String runId, String job, Trigger trigger, String spec, boolean posted, List<String> calls,
                      Instant submittedAt, Owner owner) {
        public Submission {
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(trigger, "trigger");
            Objects.requireNonNull(submittedAt, "submittedAt");
            Objects.requireNonNull(owner, "owner");
            calls = List.copyOf(calls);
        }
    }

    /**
     * The Andon process that runs a run: a run found unfinished is interrupted only when its
     * owner is gone (the CLI and a service may share a store).
     *
     * @param startTime the process's start time in clock ticks since boot (field 22 of its
     *                  {@code /proc/PID/stat}), or -1 where unknown
     */
    record Owner(String host, String bootId, long pid, long startTime) {
        /** This process, as {@code table} sees it. */
        public static Owner self(dev.andon.call.ProcessTable table) {
            long pid = ProcessHandle.current().pid();
            dev.andon.call.ProcessTable.Proc me = table.get(pid);
            return new Owner(hostName(), table.bootId(), pid, me == null ? -1 : me.startTime());
        }

        private static String hostName() {
            try {
                return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).trim();
            } catch (java.io.IOException | RuntimeException e) {
                String env = System.getenv("HOSTNAME");
                return env != null ? env : "localhost";
            }
        }
    }

    /** A command call's process group, as recorded when it started. */
    record ProcessRecord(String runId, String call, long pid, long startTime, String bootId, Duration killGrace) {
    }

    /** One run as {@code history} and {@code GET /runs} list it. */
    record RunSummary(String id, String job, RunStatus status, Trigger trigger, Instant submittedAt,
                      Instant finishedAt, Long durationMillis, int calls) {
        /** The run this one repeats, or {@code null}. */
        public String rerunOf() {
            return trigger.rerunOf();
        }
    }

    /**
     * A stored run in full.
     *
     * @param report its final report, or {@code null} while it is live (or was, when its Andon died)
     */
    record StoredRun(RunSummary summary, String spec, boolean posted, List<String> calls, Owner owner,
                     Instant abortAt, RunReport report) {
        public String id() {
            return summary.id();
        }

        public boolean finished() {
            return report != null;
        }

        /**
         * Its final report; for a run still live (in another process, or not yet recovered),
         * its status with every call queued, as far as the store can tell.
         */
        public RunReport reportOrLive() {
            if (report != null) return report;
            List<CallReport> live = calls.stream().map(c -> CallReport.live(c, CallStatus.QUEUED, 0, null, null, null)).toList();
            return new RunReport(summary.id(), summary.job(), summary.status(), null, null, summary.submittedAt(), null, null,
                    live, abortAt, summary.trigger());
        }
    }

    /** What a call was when last recorded: started ({@code RUNNING}, {@code report} null) or its outcome. */
    record CallRow(String name, CallStatus status, Instant startedAt, CallReport report) {
    }

    /**
     * Which runs to list, newest first.
     *
     * @param job    only this job's, or {@code null}
     * @param status only runs with this status, or {@code null}
     * @param before only runs submitted before this one (the last of the previous page), or {@code null}
     */
    record RunQuery(String job, RunStatus status, int limit, String before) {
        public RunQuery {
            if (limit < 1) throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
    }

    /**
     * A schedule as recorded ({@code andon serve}'s scheduler reads it at start).
     *
     * @param handledThrough every fire of it up to here was handled (fired, skipped or missed), or {@code null}
     * @param lastFireAt     the fire time of the last fire that started a run, or {@code null}
     * @param lastRunId      that run, or {@code null}
     * @param lastRunStatus  that run's status as the store has it now ({@code null} once pruned)
     */
    record ScheduleState(Instant handledThrough, boolean paused, Instant lastFireAt, String lastRunId,
                         RunStatus lastRunStatus, long fired, long skipped, long missed) {
    }

    /**
     * A change to a schedule's record other than a fire that starts a run (that one is written
     * with the run's {@link #submitted submission}).
     */
    sealed interface ScheduleChange {
        String job();
    }

    /** {@code job}'s schedule is handled from {@code since} on: a schedule seen for the first time (nothing if recorded). */
    record ScheduleBegun(String job, Instant since) implements ScheduleChange {
    }

    /**
     * A fire that started no run, for {@code reason}. A scheduled one (not {@code manual}) takes its
     * (job, fire time) like a run does: when that was recorded before, nothing is written.
     */
    record FireSkipped(String job, Instant fireTime, boolean manual, String reason) implements ScheduleChange {
    }

    /**
     * {@code count} fires missed; every fire up to {@code through} is handled then, or, when
     * {@code through} is null, the fire that runs in their stead will say how far.
     */
    record FiresMissed(String job, Instant through, long count) implements ScheduleChange {
    }

    /** Paused or resumed; on resume, fires before {@code at} are handled (not caught up). */
    record SchedulePaused(String job, boolean paused, Instant at) implements ScheduleChange {
    }

    /**
     * The stage of a submission fails with this when its trigger is a schedule's fire whose (job,
     * fire time) was recorded before: neither the run nor the fire was written.
     */
    final class FiredBefore extends RuntimeException {
        public FiredBefore(String job, Instant fireTime) {
            super(job + ": the fire of " + fireTime + " was recorded before");
        }
    }

    /** How the store is doing: {@code failing} is why writes fail now, or {@code null}. */
    record Health(String failing, long writeFailures, long pendingWrites) {
        public boolean degraded() {
            return failing != null;
        }
    }

    // ---- writes

    /**
     * Records a run's submission; completes once committed. When its trigger is a schedule's fire,
     * the fire is recorded in the same transaction (its schedule's count, last run, and for a
     * scheduled fire its (job, fire time), which is recorded at most once, ever): a fire recorded
     * before fails the stage with {@link FiredBefore}, and nothing of it is written.
     */
    CompletionStage<Void> submitted(Submission submission);

    void callStarted(String runId, String call, Instant at);

    void callFinished(String runId, CallReport report);

    void abortRequested(String runId, String reason, Instant at);

    void processStarted(ProcessRecord process);

    /** Records a run's final report (its calls' outcomes must have been recorded before); completes once committed. */
    CompletionStage<Void> finished(RunReport report);

    /** Records a change to a schedule, in order with the other writes; completes once committed. */
    CompletionStage<Void> scheduleChanged(ScheduleChange change);

    /** Completes once everything written before it is committed. */
    CompletionStage<Void> flush();

    /**
     * Deletes finished runs beyond the newest {@code maxRuns} by finish time, or finished before
     * {@code now - maxAge}; never a live run.
     *
     * @return how many runs were deleted
     */
    int prune(int maxRuns, Duration maxAge, Instant now);

    // ---- reads

    Optional<StoredRun> run(String id);

    List<RunSummary> runs(RunQuery query);

    /** Runs with no final report, oldest first. */
    List<StoredRun> unfinished();

    /** What was recorded of {@code runId}'s calls. */
    List<CallRow> calls(String runId);

    /** The process groups recorded for {@code runId}'s calls. */
    List<ProcessRecord> processes(String runId);

    /** What was recorded of a run's calls and of its command calls' process groups. */
    record RunRecords(List<CallRow> calls, List<ProcessRecord> processes) {
    }

    /** {@link #calls} and {@link #processes} of each of {@code runIds}, read together (recovery reads a thousand runs at start). */
    default Map<String, RunRecords> records(List<String> runIds) {
        Map<String, RunRecords> map = new java.util.LinkedHashMap<>();
        for (String id : runIds) map.put(id, new RunRecords(calls(id), processes(id)));
        return map;
    }

    /** Every schedule recorded, by job. */
    Map<String, ScheduleState> schedules();

    /** Where to run reads from a thread that must not block. */
    Executor readExecutor();

    Health health();

    /** What the store is, for messages: its file, its url, or "memory". */
    String describe();

    /** Commits what is pending, then releases the store. */
    @Override
    void close();

    /** A store that records nothing and has nothing (Andon embedded without one). */
    RunStore NONE = new RunStore() {
        private final CompletionStage<Void> done = CompletableFuture.completedFuture(null);

        @Override
        public CompletionStage<Void> submitted(Submission submission) {
            return done;
        }

        @Override
        public void callStarted(String runId, String call, Instant at) {
        }

        @Override
        public void callFinished(String runId, CallReport report) {
        }

        @Override
        public void abortRequested(String runId, String reason, Instant at) {
        }

        @Override
        public void processStarted(ProcessRecord process) {
        }

        @Override
        public CompletionStage<Void> finished(RunReport report) {
            return done;
        }

        @Override
        public CompletionStage<Void> scheduleChanged(ScheduleChange change) {
            return done;
        }

        @Override
        public CompletionStage<Void> flush() {
            return done;
        }

        @Override
        public int prune(int maxRuns, Duration maxAge, Instant now) {
            return 0;
        }

        @Override
        public Optional<StoredRun> run(String id) {
            return Optional.empty();
        }

        @Override
        public List<RunSummary> runs(RunQuery query) {
            return List.of();
        }

        @Override
        public List<StoredRun> unfinished() {
            return List.of();
        }

        @Override
        public List<CallRow> calls(String runId) {
            return List.of();
        }

        @Override
        public List<ProcessRecord> processes(String runId) {
            return List.of();
        }

        @Override
        public Map<String, ScheduleState> schedules() {
            return Map.of();
        }

        @Override
        public Executor readExecutor() {
            return Runnable::run;
        }

        @Override
        public Health health() {
            return new Health(null, 0, 0);
        }

        @Override
        public String describe() {
            return "none";
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "RunStore.NONE";
        }
    };
}
