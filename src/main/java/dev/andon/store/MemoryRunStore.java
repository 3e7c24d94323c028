package dev.andon.store;

import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The {@code memory} store: runs kept in this process only, for tests and for deployments that
 * want nothing kept. Writes are done at once under a lock, so every stage it returns is complete.
 */
public final class MemoryRunStore implements RunStore {
    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    private static final class Run {
        final Submission submission;
        final Map<String, CallRow> calls = new HashMap<>();
        final List<ProcessRecord> processes = new ArrayList<>();
        String abortReason;
        Instant abortAt;
        RunReport report;

        Run(Submission submission) {
            this.submission = submission;
        }
    }

    /** A schedule's record, as andon_schedules has it. */
    private static final class Schedule {
        Instant handledThrough;
        boolean paused;
        Instant lastFireAt;
        String lastRunId;
        long fired;
        long skipped;
        long missed;

        void handled(Instant through) {
            if (through != null && (handledThrough == null || through.isAfter(handledThrough))) handledThrough = through;
        }
    }

    private final Map<String, Run> runs = new LinkedHashMap<>(); // guarded by this
    private final Map<String, Schedule> schedules = new HashMap<>(); // guarded by this
    // Each scheduled fire recorded, by job and fire time: the run it started, or "" for a skip.
    private final Map<String, Map<Instant, String>> fires = new HashMap<>(); // guarded by this

    @Override
    public synchronized CompletionStage<Void> submitted(Submission s) {
        Trigger t = s.trigger();
        if (t.kind() == Trigger.Kind.SCHEDULE) {
            boolean manual = Boolean.TRUE.equals(t.manual());
            if (!manual && !takeFire(s.job(), t.fireTime(), s.runId()))
                return CompletableFuture.failedFuture(new FiredBefore(s.job(), t.fireTime()));
            Schedule sc = schedule(s.job());
            sc.fired++;
            sc.lastFireAt = t.fireTime();
            sc.lastRunId = s.runId();
            if (!manual) sc.handled(t.fireTime());
        }
        runs.put(s.runId(), new Run(s));
        return DONE;
    }

    private boolean takeFire(String job, Instant at, String runId) {
        return fires.computeIfAbsent(job, j -> new HashMap<>()).putIfAbsent(at, runId) == null;
    }

    private Schedule schedule(String job) {
        return schedules.computeIfAbsent(job, j -> new Schedule());
    }

    @Override
    public synchronized CompletionStage<Void> scheduleChanged(ScheduleChange change) {
        if (change instanceof ScheduleBegun b) {
            Schedule sc = schedule(b.job());
            if (sc.handledThrough == null) sc.handledThrough = b.since();
        } else if (change instanceof FireSkipped f) {
            if (f.manual() || takeFire(f.job(), f.fireTime(), "")) {
                Schedule sc = schedule(f.job());
                sc.skipped++;
                if (!f.manual()) sc.handled(f.fireTime());
            }
        } else if (change instanceof FiresMissed m) {
            Schedule sc = schedule(m.job());
            sc.missed += m.count();
            sc.handled(m.through());
        } else if (change instanceof SchedulePaused p) {
            Schedule sc = schedule(p.job());
            sc.paused = p.paused();
            if (!p.paused()) sc.handled(p.at());
        }
        return DONE;
    }

    @Override
    public synchronized Map<String, ScheduleState> schedules() {
        Map<String, ScheduleState> out = new HashMap<>();
        schedules.forEach((job, sc) -> {
            Run last = sc.lastRunId == null ? null : runs.get(sc.lastRunId);
            out.put(job, new ScheduleState(sc.handledThrough, sc.paused, sc.lastFireAt, sc.lastRunId,
                    last == null ? null : summary(last).status(), sc.fired, sc.skipped, sc.missed));
        });
        return out;
    }

    @Override
    public synchronized void callStarted(String runId, String call, Instant at) {
        Run run = runs.get(runId);
        if (run != null) run.calls.putIfAbsent(call, new CallRow(call, CallStatus.RUNNING, at, null));
    }

    @Override
    public synchronized void callFinished(String runId, CallReport report) {
        Run run = runs.get(runId);
        if (run != null) run.calls.put(report.name(), new CallRow(report.name(), report.status(), report.startedAt(), report));
    }

    @Override
    public synchronized void abortRequested(String runId, String reason, Instant at) {
        Run run = runs.get(runId);
        if (run != null && run.abortReason == null) {
            run.abortReason = reason;
            run.abortAt = at;
        }
    }

    @Override
    public synchronized void processStarted(ProcessRecord process) {
        Run run = runs.get(process.runId());
        if (run != null) run.processes.add(process);
    }

    @Override
    public synchronized CompletionStage<Void> finished(RunReport report) {
        Run run = runs.get(report.id());
        if (run != null) run.report = report.withTrigger(run.submission.trigger());
        return DONE;
    }

    @Override
    public CompletionStage<Void> flush() {
        return DONE;
    }

    @Override
    public synchronized int prune(int maxRuns, Duration maxAge, Instant now) {
        List<Run> finished = runs.values().stream().filter(r -> r.report != null)
                .sorted(Comparator.comparing((Run r) -> r.report.finishedAt()).thenComparing(r -> r.submission.runId())
                        .reversed()).toList();
        Instant oldest = now.minus(maxAge);
        int pruned = 0;
        for (int i = 0; i < finished.size(); i++) {
            Run r = finished.get(i);
            if (i >= maxRuns || r.report.finishedAt().isBefore(oldest)) {
                runs.remove(r.submission.runId());
                pruned++;
                // Its fire goes with it (the schedule's handled-through keeps it from firing again).
                Trigger t = r.submission.trigger();
                if (t.kind() == Trigger.Kind.SCHEDULE && !Boolean.TRUE.equals(t.manual()))
                    fires.getOrDefault(r.submission.job(), new HashMap<>()).remove(t.fireTime(), r.submission.runId());
            }
        }
        // Skips are kept as long as runs are.
        fires.values().forEach(byTime -> byTime.entrySet().removeIf(e -> e.getValue().isEmpty() && e.getKey().isBefore(oldest)));
        return pruned;
    }

    @Override
    public synchronized Optional<StoredRun> run(String id) {
        return Optional.ofNullable(runs.get(id)).map(MemoryRunStore::stored);
    }

    private static StoredRun stored(Run r) {
        Submission s = r.submission;
        return new StoredRun(summary(r), s.spec(), s.posted(), s.calls(), s.owner(), r.abortAt, r.report);
    }

    private static RunSummary summary(Run r) {
        Submission s = r.submission;
        RunStatus status = r.report != null ? r.report.status() : r.abortReason != null ? RunStatus.ABORTING : RunStatus.RUNNING;
        return new RunSummary(s.runId(), s.job(), status, s.trigger(), s.submittedAt(),
                r.report == null ? null : r.report.finishedAt(), r.report == null ? null : r.report.durationMillis(),
                s.calls().size());
    }

    @Override
    public synchronized List<RunSummary> runs(RunQuery q) {
        List<Run> all = new ArrayList<>(runs.values());
        all.sort(Comparator.comparing((Run r) -> r.submission.submittedAt()).thenComparing(r -> r.submission.runId())
                .reversed());
        Run before = q.before() == null ? null : runs.get(q.before());
        if (q.before() != null && before == null) throw new IllegalArgumentException("no run \"" + q.before() + "\" in the store");
        List<RunSummary> list = new ArrayList<>();
        boolean past = before == null;
        for (Run r : all) {
            if (!past) {
                past = r == before;
                continue;
            }
            RunSummary s = summary(r);
            if (q.job() != null && !q.job().equals(s.job())) continue;
            if (q.status() != null && q.status() != s.status()) continue;
            list.add(s);
            if (list.size() == q.limit()) break;
        }
        return list;
    }

    @Override
    public synchronized List<StoredRun> unfinished() {
        return runs.values().stream().filter(r -> r.report == null).map(MemoryRunStore::stored).toList();
    }

    @Override
    public synchronized List<CallRow> calls(String runId) {
        Run r = runs.get(runId);
        return r == null ? List.of() : List.copyOf(r.calls.values());
    }

    @Override
    public synchronized List<ProcessRecord> processes(String runId) {
        Run r = runs.get(runId);
        return r == null ? List.of() : List.copyOf(r.processes);
    }

    @Override
    public Executor readExecutor() {
        return Runnable::run; // reads never block
    }

    @Override
    public Health health() {
        return new Health(null, 0, 0);
    }

    @Override
    public String describe() {
        return "memory";
    }

    @Override
    public void close() {
    }
}
