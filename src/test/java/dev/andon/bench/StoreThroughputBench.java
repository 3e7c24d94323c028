package dev.andon.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.store.RunStore;
import dev.andon.store.RunStores;
import dev.andon.store.StoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What recording costs a run of many short calls: the run of ThroughputBenchmark (100,000 no-op
 * calls, max-parallelism = pool size = {@code threads}) on an Andon whose store is
 * {@code sqlite} (a fresh file, WAL, {@code synchronous = FULL}) and on one whose store is
 * {@code memory}, interleaved in one JVM, alternating which goes first. Measured: submission to
 * report, which for a recording Andon includes the commit of every call's outcome and of the
 * final report. The headline is the ratio of their median rates (sqlite ÷ memory).
 *
 * <p>Between repetitions, outside the measurement, the SQLite store is pruned to the newest two
 * runs (as retention would), so that the file does not grow by 100,000 rows a repetition. Each
 * report is checked: every call SUCCEEDED; and the stored run of the last repetition has all its
 * calls' outcomes.
 *
 * <p>Usage: {@code StoreThroughputBench --calls 100000 --threads 64 --warmup 10 --reps 10 --out FILE}
 */
public final class StoreThroughputBench {

    /** The CPU time of the store's writer thread so far, in nanoseconds (0 if it cannot be told). */
    private static long writerCpu(java.lang.management.ThreadMXBean bean) {
        for (Thread t : Thread.getAllStackTraces().keySet())
            if (t.getName().equals("andon-store-writer")) return Math.max(0, bean.getThreadCpuTime(t.getId()));
        return 0;
    }

    public static void main(String[] args) throws Exception {
        int calls = Integer.parseInt(BenchSupport.arg(args, "calls", "100000"));
        int threads = Integer.parseInt(BenchSupport.arg(args, "threads", "64"));
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup", "10"));
        int reps = Integer.parseInt(BenchSupport.arg(args, "reps", "10"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/store-throughput.json"));
        Path work = Files.createTempDirectory("andon-bench-store");
        Config config = ConfigFactory.parseMap(Map.of(
                        "andon.blocking-dispatcher.pool-size", threads,
                        "andon.store.path", work.resolve("andon.db").toString(),
                        "akka.loglevel", "WARNING"))
                .withFallback(ConfigFactory.load());
        StoreSettings sqliteSettings = StoreSettings.from(config).withKind(StoreSettings.Kind.SQLITE);
        JobSpec.Builder b = JobSpec.builder("noop").maxParallelism(threads);
        for (int i = 0; i < calls; i++) b.call("c" + i, ctx -> null);
        JobSpec job = b.build();

        List<Double> sqliteMs = new ArrayList<>();
        List<Double> memoryMs = new ArrayList<>();
        List<Double> writerCpuMs = new ArrayList<>();
        List<Double> tailMs = new ArrayList<>();
        java.lang.management.ThreadMXBean threadBean = java.lang.management.ManagementFactory.getThreadMXBean();
        String lastRun = null;
        RunStore sqliteStore = RunStores.open(sqliteSettings);
        try (Andon sqlite = Andon.start(config, "bench-store-sqlite", sqliteStore);
             Andon memory = Andon.start(config, "bench-store-memory", RunStores.open(sqliteSettings.withKind(StoreSettings.Kind.MEMORY)))) {
            for (int r = -warmup; r < reps; r++) {
                boolean sqliteFirst = (r & 1) == 0;
                double[] x = new double[2];
                double[] cpu = new double[1];
                double[] tail = new double[1];
                for (int side = 0; side < 2; side++) {
                    boolean isSqlite = (side == 0) == sqliteFirst;
                    Andon a = isSqlite ? sqlite : memory;
                    long cpu0 = isSqlite ? writerCpu(threadBean) : 0;
                    long t0 = System.nanoTime();
                    RunReport report = a.submit(job).report().toCompletableFuture().get(300, TimeUnit.SECONDS);
                    long t1 = System.nanoTime();
                    Instant told = Instant.now();
                    if (isSqlite) {
                        // The writer's own CPU (its Java and SQLite's native code) in the run, and the
                        // time from the run's end to its report's commit (the tail the store adds).
                        cpu[0] = BenchSupport.millis(writerCpu(threadBean) - cpu0);
                        tail[0] = Duration.between(report.finishedAt(), told).toNanos() / 1e6;
                    }
                    if (report.status() != RunStatus.SUCCEEDED || report.calls().size() != calls)
                        throw new IllegalStateException("run " + report.status() + " with " + report.calls().size() + " calls");
                    x[isSqlite ? 0 : 1] = BenchSupport.millis(t1 - t0);
                    if (isSqlite) lastRun = report.id();
                }
                // Outside the measured interval: keep the file at steady state, as retention would.
                sqliteStore.prune(2, Duration.ofDays(365), Instant.now());
                if (r < 0) continue;
                sqliteMs.add(x[0]);
                memoryMs.add(x[1]);
                writerCpuMs.add(cpu[0]);
                tailMs.add(tail[0]);
                System.out.printf("  rep %d: sqlite %.1f ms (writer cpu %.1f ms, end to commit %.1f ms), memory %.1f ms%n",
                        r, x[0], cpu[0], tail[0], x[1]);
            }
            RunStore.StoredRun stored = sqliteStore.run(lastRun).orElseThrow(() -> new IllegalStateException("run not stored"));
            long ok = stored.report().calls().stream().filter(c -> c.status() == dev.andon.run.CallStatus.SUCCEEDED).count();
            if (ok != calls) throw new IllegalStateException("stored run has " + ok + " succeeded calls of " + calls);
        }
        double[] s = sqliteMs.stream().mapToDouble(Double::doubleValue).toArray();
        double[] m = memoryMs.stream().mapToDouble(Double::doubleValue).toArray();
        double sqliteRate = calls / (BenchSupport.percentile(s, 50) / 1000.0);
        double memoryRate = calls / (BenchSupport.percentile(m, 50) / 1000.0);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("calls", calls);
        result.put("threads", threads);
        result.put("repetitions", reps);
        result.put("warmup_repetitions", warmup);
        result.put("sqlite_batch_ms", BenchSupport.stats(s));
        result.put("memory_batch_ms", BenchSupport.stats(m));
        result.put("sqlite_writer_cpu_ms", BenchSupport.stats(writerCpuMs.stream().mapToDouble(Double::doubleValue).toArray()));
        result.put("sqlite_end_to_commit_ms", BenchSupport.stats(tailMs.stream().mapToDouble(Double::doubleValue).toArray()));
        result.put("sqlite_calls_per_s", Math.round(sqliteRate));
        result.put("memory_calls_per_s", Math.round(memoryRate));
        result.put("store_throughput_ratio", BenchSupport.round(sqliteRate / memoryRate));
        result.put("sqlite_file_bytes", Files.size(work.resolve("andon.db")));
        BenchSupport.write(out, result);
        BenchSupport.deleteTree(work);
        System.out.printf("store throughput: sqlite %,.0f calls/s, memory %,.0f calls/s, ratio %.3f%n", sqliteRate, memoryRate,
                sqliteRate / memoryRate);
        System.exit(0);
    }
}
