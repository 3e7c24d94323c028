package dev.andon.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigUtil;
import dev.andon.Andon;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Command fan-out in one JVM (an embedded Andon: no JVM start or exit in the interval): {@code k}
 * (16) {@code sleep 300} commands and one that exits 3 after 0.5 s, having written
 * {@code date +%s%N} (wall clock, ns) just before its {@code exit 3}. Measured: from that stamp to
 * the run's report (every one of the {@code k} trees signalled, reaped, proven gone and acked),
 * read from the wall clock as the report is delivered (on the supervisor's thread).
 *
 * <p>Baseline, interleaved: the same processes under a bash supervisor ({@code wait -n}, then
 * {@code kill} the rest and {@code wait}), which writes {@code $EPOCHREALTIME} (a builtin: no
 * process is started for it) once its last {@code wait} has returned. After each repetition no
 * process that inherited its marker may be left (see {@link BenchSupport#orphans}).
 *
 * <p>Usage: {@code CommandFanoutBench --k 16 --warmup 3 --reps 15 --out FILE}
 */
public final class CommandFanoutBench {

    public static void main(String[] args) throws Exception {
        int k = Integer.parseInt(BenchSupport.arg(args, "k", "16"));
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup", "3"));
        int reps = Integer.parseInt(BenchSupport.arg(args, "reps", "15"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/command-fanout-k" + k + ".json"));
        Path work = Files.createTempDirectory("andon-bench-command");
        Config base = ConfigFactory.parseString("akka.loglevel = WARNING").withFallback(ConfigFactory.load());

        List<Double> andon = new ArrayList<>();
        List<Double> bash = new ArrayList<>();
        int orphans = 0;
        try (Andon a = Andon.start(base, "bench-command")) {
            for (int r = -warmup; r < reps; r++) {
                double[] x = andonOnce(a, base, work, k);
                // The warm-up is for Andon's JIT: bash, which has none, joins in only for its last
                // three repetitions (Andon's orphans are counted from the first).
                double[] y = r < -3 ? new double[2] : bashOnce(work, k);
                orphans += (int) (x[1] + y[1]);
                if (r < 0) continue;
                andon.add(x[0]);
                bash.add(y[0]);
                System.out.printf("  rep %d: andon %.1f ms, bash %.1f ms%n", r, x[0], y[0]);
            }
        }
        double[] andonMs = andon.stream().mapToDouble(Double::doubleValue).toArray();
        double[] bashMs = bash.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("k", k);
        result.put("repetitions", reps);
        result.put("warmup_repetitions", warmup);
        result.put("andon_exit_to_report_ms", BenchSupport.stats(andonMs));
        result.put("bash_exit_to_reaped_ms", BenchSupport.stats(bashMs));
        result.put("orphans", orphans);
        BenchSupport.write(out, result);
        System.out.printf("command fan-out k=%d: andon p50 %.1f ms, bash p50 %.1f ms, orphans %d%n", k,
                BenchSupport.percentile(andonMs, 50), BenchSupport.percentile(bashMs, 50), orphans);
        System.exit(orphans == 0 ? 0 : 1);
    }

    /** One run; returns {stamp → report in ms, orphans}. */
    private static double[] andonOnce(Andon andon, Config base, Path work, int k) throws Exception {
        Path stamp = work.resolve("stamp");
        Files.deleteIfExists(stamp);
        String marker = UUID.randomUUID().toString();
        JobSpec job = job(base, k, stamp, marker);
        var handle = andon.submit(job);
        var reported = handle.report().thenApply(r -> BenchSupport.epochNanos(Instant.now())).toCompletableFuture();
        RunReport report = handle.report().toCompletableFuture().get(60, TimeUnit.SECONDS);
        if (report.status() != RunStatus.FAILED || !"fails".equals(report.cause().call())
                || report.calls().stream().filter(c -> c.status() == CallStatus.ABORTED).count() != k)
            throw new IllegalStateException("unexpected run: " + report.status() + " " + report.cause() + " " + report.calls());
        long failedAt = Long.parseLong(Files.readString(stamp).trim());
        return new double[] {BenchSupport.millis(reported.get(60, TimeUnit.SECONDS) - failedAt), BenchSupport.orphans(marker)};
    }

    /** The job: {@code k} sleeps and the failing command, every process marked with {@code marker}. */
    private static JobSpec job(Config base, int k, Path stamp, String marker) {
        String env = "env { ANDON_BENCH_MARK = \"" + marker + "\" }";
        StringBuilder calls = new StringBuilder();
        calls.append("{ name = fails, kind = command, ").append(env).append(", shell = ")
                .append(ConfigUtil.quoteString("sleep 0.5; date +%s%N > '" + stamp + "'; exit 3")).append(" }\n");
        for (int i = 1; i <= k; i++)
            calls.append("{ name = s").append(i).append(", kind = command, ").append(env)
                    .append(", command = [sleep, \"300\"] }\n");
        Config config = ConfigFactory.parseString("andon.jobs.fanout.calls = [\n" + calls + "]").withFallback(base).resolve();
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(config, new KindContext(config, HttpClient::newHttpClient), problems);
        if (!problems.isEmpty()) throw new IllegalStateException("bench job: " + problems.list());
        return catalog.entries().get("fanout").spec();
    }

    /** The bash supervisor; returns {stamp → its last wait returned, in ms; orphans}. */
    private static double[] bashOnce(Path work, int k) throws Exception {
        Path stamp = work.resolve("stamp-bash");
        Path end = work.resolve("end-bash");
        Files.deleteIfExists(stamp);
        Files.deleteIfExists(end);
        String script = "for i in $(seq " + k + "); do sleep 300 & done; "
                + "sh -c 'sleep 0.5; date +%s%N > \"$ANDON_BENCH_STAMP\"; exit 3' & "
                + "wait -n; st=$?; kill $(jobs -p) 2>/dev/null; wait; printf '%s' \"$EPOCHREALTIME\" > \"$ANDON_BENCH_END\"; exit $st";
        String marker = UUID.randomUUID().toString();
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("ANDON_BENCH_STAMP", stamp.toString());
        pb.environment().put("ANDON_BENCH_END", end.toString());
        pb.environment().put("ANDON_BENCH_MARK", marker);
        pb.environment().put("LC_ALL", "C"); // $EPOCHREALTIME with a decimal point
        int exit = pb.start().waitFor();
        if (exit != 3) throw new IllegalStateException("bash baseline exited " + exit);
        long failedAt = Long.parseLong(Files.readString(stamp).trim());
        long reaped = new BigDecimal(Files.readString(end).trim()).movePointRight(9).longValueExact();
        return new double[] {BenchSupport.millis(reaped - failedAt), BenchSupport.orphans(marker)};
    }
}
