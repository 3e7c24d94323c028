package dev.andon.bench;

import com.typesafe.config.ConfigFactory;
import dev.andon.call.ProcessTable;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.Trigger;
import dev.andon.store.RunStore;
import dev.andon.store.RunStores;
import dev.andon.store.StoreSettings;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code recovery_ms}: {@code scripts/andon serve} started on a SQLite store that a dead Andon
 * left with {@code --runs} (1,000) unfinished runs of five calls (two finished, one running, two
 * queued) and {@code --groups} (100) recorded process groups, each a live {@code setsid sleep}
 * (its own group) recorded with its real start time; from the JVM's start (just before the
 * harness starts the process) to its ready line ({@code andon serving on}), which comes after
 * recovery: every run marked INTERRUPTED, every recorded process stopped. Baseline, interleaved:
 * the same start on an empty store. Checked each time: the ready line counts the runs and the
 * processes, and none of the processes is left.
 *
 * <p>Usage: {@code RecoveryBench --home DIR --runs 1000 --groups 100 --warmup 1 --reps 5 --out FILE}
 */
public final class RecoveryBench {

    private RecoveryBench() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(BenchSupport.arg(args, "home", ".")).toAbsolutePath().normalize();
        int runs = Integer.parseInt(BenchSupport.arg(args, "runs", "1000"));
        int groups = Integer.parseInt(BenchSupport.arg(args, "groups", "100"));
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup", "1"));
        int reps = Integer.parseInt(BenchSupport.arg(args, "reps", "5"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/recovery.json"));
        Path work = Files.createTempDirectory("andon-bench-recovery");

        List<Double> recovering = new ArrayList<>();
        List<Double> firstMarked = new ArrayList<>();
        List<Double> empty = new ArrayList<>();
        int left = 0;
        for (int r = -warmup; r < reps; r++) {
            Path dir = Files.createDirectories(work.resolve("rep" + (r + warmup)));
            List<Process> sleepers = prepare(dir.resolve("full/andon.db"), runs, groups);
            double[] first = new double[1];
            double full = readyMs(home, dir.resolve("full"), runs + " interrupted run(s) recovered, " + groups + " orphan", first);
            for (Process p : sleepers) {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    left++;
                    p.destroyForcibly();
                }
            }
            double none = readyMs(home, dir.resolve("empty"), "0 interrupted run(s) recovered, 0 orphan", new double[1]);
            if (r < 0) continue;
            recovering.add(full);
            firstMarked.add(first[0]);
            empty.add(none);
            System.out.printf("  rep %d: recovery start %.0f ms (first run marked at %.0f ms), empty-store start %.0f ms%n", r, full,
                    first[0], none);
        }
        double[] full = recovering.stream().mapToDouble(Double::doubleValue).toArray();
        double[] none = empty.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("runs", runs);
        result.put("groups", groups);
        result.put("repetitions", reps);
        result.put("start_with_recovery_ms", BenchSupport.stats(full));
        result.put("start_with_empty_store_ms", BenchSupport.stats(none));
        // From the first run's INTERRUPTED line to the ready line: the marking and the orphans' stop, not the JVM's start.
        result.put("first_marked_to_ready_ms", BenchSupport.stats(diff(full, firstMarked)));
        result.put("processes_left", left);
        result.put("recovery_ms", BenchSupport.round(BenchSupport.percentile(full, 50)));
        BenchSupport.write(out, result);
        BenchSupport.deleteTree(work);
        System.out.printf("recovery, %d runs, %d groups: JVM start to ready p50 %.0f ms (empty store %.0f ms), %d processes left%n",
                runs, groups, BenchSupport.percentile(full, 50), BenchSupport.percentile(none, 50), left);
        System.exit(left == 0 ? 0 : 1);
    }

    private static double[] diff(double[] ready, List<Double> first) {
        double[] d = new double[ready.length];
        for (int i = 0; i < d.length; i++) d[i] = ready[i] - first.get(i);
        return d;
    }

    /** The store a dead Andon left; returns the live processes it recorded. */
    private static List<Process> prepare(Path db, int runs, int groups) throws Exception {
        StoreSettings settings = StoreSettings.from(ConfigFactory.parseMap(Map.of("andon.store.path", db.toString()))
                .withFallback(ConfigFactory.defaultReference()));
        ProcessTable table = ProcessTable.host();
        // A dead owner: a process of this boot that has exited.
        Process gone = new ProcessBuilder("true").start();
        long deadPid = gone.pid();
        gone.waitFor();
        RunStore.Owner owner = RunStore.Owner.self(table);
        RunStore.Owner dead = new RunStore.Owner(owner.host(), owner.bootId(), deadPid, 1);
        List<Process> sleepers = new ArrayList<>();
        Instant t = Instant.now().minusSeconds(60);
        try (RunStore store = RunStores.open(settings)) {
            List<CompletableFuture<Void>> submitted = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                String id = String.format("r-bench-%06d", i);
                List<String> calls = List.of("a", "b", "c", "d", "e");
                submitted.add(store.submitted(new RunStore.Submission(id, "bench", Trigger.API, null, false, calls, t, dead))
                        .toCompletableFuture());
                for (String done : List.of("a", "b")) {
                    store.callStarted(id, done, t);
                    store.callFinished(id, CallReport.builder(done, CallStatus.SUCCEEDED).attempts(1).ran(t, t.plusMillis(5))
                            .durationMillis(5L).thread("andon-blocking-1").build());
                }
                store.callStarted(id, "c", t.plusMillis(5));
                if (i < groups) {
                    Process p = new ProcessBuilder("setsid", "sleep", "300").start();
                    ProcessTable.Proc proc = awaitProc(table, p.pid());
                    store.processStarted(new RunStore.ProcessRecord(id, "c", p.pid(), proc.startTime(), table.bootId(),
                            Duration.ofSeconds(1)));
                    sleepers.add(p);
                }
            }
            for (CompletableFuture<Void> f : submitted) f.get(60, TimeUnit.SECONDS);
            store.flush().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        return sleepers;
    }

    private static ProcessTable.Proc awaitProc(ProcessTable table, long pid) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            ProcessTable.Proc p = table.get(pid);
            // setsid has exec'd sleep once the process leads its own group
            if (p != null && p.pgrp() == pid) return p;
            Thread.sleep(2);
        }
        throw new IllegalStateException("setsid sleep " + pid + " did not start");
    }

    /**
     * {@code andon serve} on the store in {@code dir}: from process start to the ready line, which
     * must contain {@code expect}; {@code firstMarked[0]} is set to when the first run was marked INTERRUPTED.
     */
    private static double readyMs(Path home, Path dir, String expect, double[] firstMarked) throws Exception {
        Files.createDirectories(dir);
        Path conf = dir.resolve("andon.conf");
        Files.writeString(conf, "include file(\"" + home.resolve("conf/application.conf") + "\")\n"
                + "andon.http.port = 0\n"
                + "andon.store.path = \"" + dir.resolve("andon.db") + "\"\n");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("scripts/andon").toString(), "serve", "--config", conf.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        long t0 = System.nanoTime();
        Process p = pb.start();
        String ready = null;
        StringBuilder seen = new StringBuilder();
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = err.readLine()) != null; ) {
                if (firstMarked[0] == 0 && line.contains(" INTERRUPTED (its Andon")) firstMarked[0] = BenchSupport.millis(System.nanoTime() - t0);
                if (line.contains("andon serving on")) {
                    ready = line;
                    break;
                }
                if (seen.length() < 1_000_000) seen.append(line).append('\n');
            }
            long t1 = System.nanoTime();
            Files.writeString(dir.resolve("serve.log"), seen + (ready == null ? "" : ready + "\n"));
            if (ready == null || !ready.contains(expect))
                throw new IllegalStateException("andon serve: no ready line with \"" + expect + "\": " + ready + "\n" + seen);
            p.destroy(); // SIGTERM: a clean stop
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            return BenchSupport.millis(t1 - t0);
        } finally {
            if (p.isAlive()) p.destroyForcibly();
        }
    }
}
