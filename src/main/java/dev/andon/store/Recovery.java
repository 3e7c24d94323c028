package dev.andon.store;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import dev.andon.call.CommandCall;
import dev.andon.call.ProcessTable;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.Outcomes;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an Andon does at start with the runs a dead Andon left unfinished in the store:
 * each becomes {@code INTERRUPTED} (finished calls keep their outcomes, running ones
 * are {@code LOST}, queued ones {@code CANCELLED}), one log line each; and what their command
 * calls left running is stopped: SIGTERM, then SIGKILL after the call's kill grace.
 *
 * <h2>Whose runs</h2>
 * A run is interrupted only when the process that ran it (its owner) is gone: on this host, not
 * alive with the same pid and start time, or of an earlier boot. The CLI and a service may share
 * a store, and neither takes the other's live runs for dead ones. Runs of another host are left
 * to that host.
 *
 * <h2>Which processes</h2>
 * A recorded process group whose leader is alive with the recorded start time, in this boot, and
 * every process of that group; and every process whose environment says {@code ANDON_RUN_ID} of
 * an interrupted run (what escaped its group: a {@code setsid} daemon). Never a pid whose start
 * time or boot differs from the record: that pid names another process now.
 */
public final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);
    static final String LOST_ERROR = "lost: the Andon that ran it died while it ran (crash, kill -9 or power loss)";
    private static final long POLL_MILLIS = 20;

    /**
     * What recovery did.
     *
     * @param interrupted the reports of the runs it marked {@code INTERRUPTED}
     * @param orphansKilled how many processes it stopped
     * @param toRerun the interrupted runs whose job says {@code on-interrupted = rerun}
     */
    public record Result(List<RunReport> interrupted, int orphansKilled, List<RunStore.StoredRun> toRerun) {
        public static final Result NONE = new Result(List.of(), 0, List.of());
    }

    private final RunStore store;
    private final ProcessTable table;
    private final RunStore.Owner self;
    private final Duration defaultKillGrace;
    private final LongSupplier clock;

    /**
     * @param self             this process (its runs are never interrupted)
     * @param defaultKillGrace for a process found by its environment in a run with no recorded group
     * @param clock            epoch milliseconds
     */
    public Recovery(RunStore store, ProcessTable table, RunStore.Owner self, Duration defaultKillGrace, LongSupplier clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.table = Objects.requireNonNull(table, "table");
        this.self = Objects.requireNonNull(self, "self");
        this.defaultKillGrace = Objects.requireNonNull(defaultKillGrace, "defaultKillGrace");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Marks the dead Andons' runs, stops what they left, and says what it did. */
    public Result run() {
        List<RunStore.StoredRun> dead = new ArrayList<>();
        for (RunStore.StoredRun r : store.unfinished()) if (ownerGone(r.owner())) dead.add(r);
        if (dead.isEmpty()) return Result.NONE;
        Instant now = Instant.ofEpochMilli(clock.getAsLong());
        List<RunReport> reports = new ArrayList<>();
        Map<String, List<RunStore.CallRow>> rowsOf = new HashMap<>();
        Map<String, List<RunStore.ProcessRecord>> groups = new LinkedHashMap<>();
        List<RunStore.StoredRun> toRerun = new ArrayList<>();
        Map<String, RunStore.RunRecords> records = store.records(dead.stream().map(RunStore.StoredRun::id).toList());
        for (RunStore.StoredRun run : dead) {
            List<RunStore.CallRow> rows = records.get(run.id()).calls();
            rowsOf.put(run.id(), rows);
            RunReport report = interrupted(run, rows, now);
            reports.add(report);
            groups.put(run.id(), records.get(run.id()).processes());
            long lost = report.calls().stream().filter(c -> c.status() == CallStatus.LOST).count();
            long cancelled = report.calls().stream().filter(c -> c.status() == CallStatus.CANCELLED).count();
            log.info("run {} of job {} INTERRUPTED (its Andon, pid {}, died): {} call(s) had finished, {} LOST, {} CANCELLED",
                    run.id(), run.summary().job(), run.owner() == null ? "?" : run.owner().pid(),
                    report.calls().size() - lost - cancelled, lost, cancelled);
            if (rerunWanted(run.spec())) toRerun.add(run);
        }
        // What the runs left is stopped before they are recorded as ended: an Andon killed in
        // between finds them unfinished again, and their processes with them.
        int killed = stopOrphans(groups);
        List<CompletableFuture<Void>> commits = new ArrayList<>();
        for (RunReport report : reports) {
            // The calls given their outcome here (LOST, CANCELLED) are recorded like any other's.
            Set<String> recorded = new java.util.HashSet<>();
            for (RunStore.CallRow row : rowsOf.get(report.id()))
                if (row.report() != null && row.status().isFinal()) recorded.add(row.name());
            for (CallReport c : report.calls()) if (!recorded.contains(c.name())) store.callFinished(report.id(), c);
            commits.add(store.finished(report).toCompletableFuture());
        }
        commits.forEach(CompletableFuture::join);
        return new Result(List.copyOf(reports), killed, List.copyOf(toRerun));
    }

    private boolean ownerGone(RunStore.Owner o) {
        if (o == null) return true; // recorded before owners were (schema version 1)
        if (!Objects.equals(o.host(), self.host())) return false; // another host's to judge
        if (!Objects.equals(o.bootId(), table.bootId())) return true;
        if (o.pid() == self.pid() && o.startTime() == self.startTime()) return false;
        ProcessTable.Proc p = table.get(o.pid());
        return p == null || p.startTime() != o.startTime();
    }

    /** The report of an interrupted run: its calls as last recorded. A pure function. */
    static RunReport interrupted(RunStore.StoredRun run, List<RunStore.CallRow> rows, Instant now) {
        Map<String, RunStore.CallRow> byName = new HashMap<>();
        for (RunStore.CallRow r : rows) byName.put(r.name(), r);
        List<CallReport> calls = new ArrayList<>(run.calls().size());
        for (String name : run.calls()) {
            RunStore.CallRow row = byName.get(name);
            if (row != null && row.report() != null && row.status().isFinal()) {
                calls.add(row.report());
                continue;
            }
            // Started (recorded RUNNING) and never finished, or never started: the one rule decides.
            Outcomes.Ending ending = row != null ? Outcomes.Ending.ANDON_DIED : Outcomes.Ending.NEVER_STARTED;
            CallStatus status = Outcomes.of(ending, null, false, false).status();
            Instant startedAt = row == null ? null : row.startedAt();
            Long duration = startedAt == null ? null : Math.max(0, now.toEpochMilli() - startedAt.toEpochMilli());
            calls.add(new CallReport(name, status, row == null ? 0 : 1, startedAt, null, duration, null,
                    status == CallStatus.LOST ? LOST_ERROR : null, null, null, null, null, null));
        }
        Instant started = run.summary().submittedAt();
        return new RunReport(run.id(), run.summary().job(), RunStatus.INTERRUPTED, null, null, started, now,
                Math.max(0, now.toEpochMilli() - started.toEpochMilli()), calls, run.abortAt(), run.summary().trigger());
    }

    /** Whether a stored spec says {@code on-interrupted = rerun}. */
    static boolean rerunWanted(String spec) {
        if (spec == null) return false;
        try {
            Config c = ConfigFactory.parseString(spec, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
            return c.hasPath("on-interrupted") && c.getString("on-interrupted").equals("rerun");
        } catch (ConfigException e) {
            return false;
        }
    }

    private record Target(ProcessTable.Proc proc, String runId, String call, Duration grace) {
    }

    private int stopOrphans(Map<String, List<RunStore.ProcessRecord>> groups) {
        Map<Long, Target> targets = new LinkedHashMap<>();
        long me = ProcessHandle.current().pid();
        List<ProcessTable.Proc> all = table.all();
        Map<String, Duration> runGrace = new HashMap<>();
        for (var e : groups.entrySet()) {
            for (RunStore.ProcessRecord r : e.getValue()) {
                runGrace.merge(e.getKey(), r.killGrace(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
                if (!r.bootId().equals(table.bootId())) continue;
                ProcessTable.Proc leader = table.get(r.pid());
                if (leader == null || leader.startTime() != r.startTime()) continue; // gone, or the pid is another's now
                for (ProcessTable.Proc p : all)
                    if ((p.pid() == r.pid() || p.pgrp() == r.pid()) && p.pid() != me)
                        targets.putIfAbsent(p.pid(), new Target(p, r.runId(), r.call(), r.killGrace()));
            }
        }
        Set<String> ids = groups.keySet();
        for (ProcessTable.Proc p : all) {
            if (p.pid() == me || targets.containsKey(p.pid())) continue;
            String runId = table.environ(p.pid(), CommandCall.RUN_ID_ENV);
            if (runId != null && ids.contains(runId)) {
                String call = table.environ(p.pid(), CommandCall.CALL_ENV);
                targets.put(p.pid(), new Target(p, runId, call, runGrace.getOrDefault(runId, defaultKillGrace)));
            }
        }
        if (targets.isEmpty()) return 0;
        long start = clock.getAsLong();
        Map<Long, Target> signalled = new LinkedHashMap<>();
        for (Target t : targets.values()) if (table.signal(t.proc().pid(), t.proc().startTime(), false)) signalled.put(t.proc().pid(), t);
        Map<Long, Target> left = new LinkedHashMap<>(signalled);
        Map<Long, String> how = new HashMap<>();
        // Each process gets its own call's grace after the SIGTERM, then SIGKILL.
        while (!left.isEmpty()) {
            long now = clock.getAsLong();
            left.values().removeIf(t -> {
                ProcessTable.Proc p = table.get(t.proc().pid());
                if (p == null || p.startTime() != t.proc().startTime()) {
                    how.putIfAbsent(t.proc().pid(), "SIGTERM");
                    return true;
                }
                if (now - start >= t.grace().toMillis() && !how.containsKey(t.proc().pid())) {
                    table.signal(t.proc().pid(), t.proc().startTime(), true);
                    how.put(t.proc().pid(), "SIGKILL");
                }
                return false;
            });
            if (!left.isEmpty()) sleep(POLL_MILLIS);
            if (clock.getAsLong() - start > maxGrace(signalled).toMillis() + 5_000) break; // a D-state process: give up waiting
        }
        for (Target t : signalled.values())
            log.info("stopped pid {} left by interrupted run {} (call {}) with {}", t.proc().pid(), t.runId(),
                    t.call() == null ? "?" : t.call(), how.getOrDefault(t.proc().pid(), "SIGKILL (still exiting)"));
        return signalled.size();
    }

    private static Duration maxGrace(Map<Long, Target> targets) {
        return targets.values().stream().map(Target::grace).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
