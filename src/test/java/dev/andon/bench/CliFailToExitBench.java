package dev.andon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code scripts/andon run bench-fanout --config src/test/resources/bench/cli-fanout.conf --json}:
 * sixteen {@code sleep 300} commands and one that exits 3 after 0.5 s, writing
 * {@code date +%s%N} (wall clock, ns) just before its {@code exit 3}. Measured: from that stamp
 * to the moment this harness's {@code Process.waitFor()} returns ({@code Instant.now()}, the same
 * wall clock), so JVM start-up is outside the interval. After each repetition no process that
 * inherited this repetition's marker variable may be left (checked in {@code /proc/*}/environ,
 * right away and again after 200 ms): a survivor is an orphan, and fails the benchmark.
 *
 * <p>Baseline, interleaved: the same processes under a hand-written bash supervisor
 * ({@code wait -n}, then {@code kill} the rest and {@code wait}), the usual shell answer to
 * "stop the others when one fails".
 *
 * <p>From the report, the interval is also split: stamp → the failing call's {@code finishedAt}
 * (Andon noticing the exit), → the run's {@code finishedAt} (abort fan-out: SIGTERM, reap, acks),
 * → process exit (shutdown, printing, JVM exit). The report's instants have millisecond precision.
 *
 * <p>Usage: {@code CliFailToExitBench --home DIR --warmup 1 --reps 10 --out FILE}
 */
public final class CliFailToExitBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Path home = Path.of(BenchSupport.arg(args, "home", ".")).toAbsolutePath().normalize();
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup", "1"));
        int reps = Integer.parseInt(BenchSupport.arg(args, "reps", "10"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/cli-fail-to-exit.json"));
        Path work = Files.createTempDirectory("andon-bench-cli");

        List<Double> andon = new ArrayList<>();
        List<Double> bash = new ArrayList<>();
        List<Double> detect = new ArrayList<>();
        List<Double> fanout = new ArrayList<>();
        List<Double> shutdown = new ArrayList<>();
        int orphans = 0;
        for (int r = -warmup; r < reps; r++) {
            Sample a = andonOnce(home, work);
            Sample b = bashOnce(work);
            orphans += a.orphans + b.orphans;
            if (r < 0) continue;
            andon.add(a.failToExitMs);
            bash.add(b.failToExitMs);
            detect.add(a.detectMs);
            fanout.add(a.fanoutMs);
            shutdown.add(a.shutdownMs);
            System.out.printf("  rep %d: andon %.1f ms (detect %.0f, fan-out %.0f, report→exit %.0f), bash %.1f ms%n",
                    r, a.failToExitMs, a.detectMs, a.fanoutMs, a.shutdownMs, b.failToExitMs);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("repetitions", reps);
        result.put("warmup_repetitions", warmup);
        result.put("andon_fail_to_exit_ms", BenchSupport.stats(toArray(andon)));
        result.put("andon_stamp_to_failed_call_finished_ms", BenchSupport.stats(toArray(detect)));
        result.put("andon_failed_call_to_run_finished_ms", BenchSupport.stats(toArray(fanout)));
        result.put("andon_run_finished_to_exit_ms", BenchSupport.stats(toArray(shutdown)));
        result.put("bash_wait_n_fail_to_exit_ms", BenchSupport.stats(toArray(bash)));
        result.put("orphans", orphans);
        BenchSupport.write(out, result);
        System.out.printf("cli fail→exit: andon p50 %.1f ms, bash p50 %.1f ms, orphans %d%n",
                BenchSupport.percentile(toArray(andon), 50), BenchSupport.percentile(toArray(bash), 50), orphans);
        System.exit(orphans == 0 ? 0 : 1);
    }

    private record Sample(double failToExitMs, double detectMs, double fanoutMs, double shutdownMs, int orphans) {
    }

    private static Sample andonOnce(Path home, Path work) throws Exception {
        Path stamp = work.resolve("stamp");
        Files.deleteIfExists(stamp);
        Path stdout = work.resolve("andon.json");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("scripts/andon").toString(), "run", "bench-fanout",
                "--config", home.resolve("src/test/resources/bench/cli-fanout.conf").toString(), "--json")
                .redirectOutput(stdout.toFile())
                .redirectError(work.resolve("andon.err").toFile());
        Ended e = runMarked(pb, stamp);
        if (e.exit() != 1) throw new IllegalStateException("andon run exited " + e.exit() + "; see " + work.resolve("andon.err"));
        long failedAt = Long.parseLong(Files.readString(stamp).trim());
        JsonNode report = JSON.readTree(stdout.toFile());
        long callFinished = 0;
        for (JsonNode c : report.get("calls")) {
            String status = c.get("status").asText();
            if (c.get("name").asText().equals("fails")) {
                if (!status.equals("FAILED")) throw new IllegalStateException("fails: " + status);
                callFinished = BenchSupport.epochNanos(Instant.parse(c.get("finishedAt").asText()));
            } else if (!status.equals("ABORTED")) {
                throw new IllegalStateException(c.get("name").asText() + ": " + status);
            }
        }
        long runFinished = BenchSupport.epochNanos(Instant.parse(report.get("finishedAt").asText()));
        long end = e.exitedNanos();
        return new Sample(BenchSupport.millis(end - failedAt), BenchSupport.millis(callFinished - failedAt),
                BenchSupport.millis(runFinished - callFinished), BenchSupport.millis(end - runFinished), e.orphans());
    }

    private static Sample bashOnce(Path work) throws Exception {
        Path stamp = work.resolve("stamp-bash");
        Files.deleteIfExists(stamp);
        String script = "for i in $(seq 16); do sleep 300 & done; "
                + "sh -c 'sleep 0.5; date +%s%N > \"$ANDON_BENCH_STAMP\"; exit 3' & "
                + "wait -n; st=$?; kill $(jobs -p) 2>/dev/null; wait; exit $st";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Ended e = runMarked(pb, stamp);
        if (e.exit() != 3) throw new IllegalStateException("bash baseline exited " + e.exit());
        long failedAt = Long.parseLong(Files.readString(stamp).trim());
        return new Sample(BenchSupport.millis(e.exitedNanos() - failedAt), 0, 0, 0, e.orphans());
    }

    /** How a marked process ended: its exit code, when (epoch ns), and how many processes it left behind. */
    private record Ended(int exit, long exitedNanos, int orphans) {
    }

    /**
     * Starts {@code pb} with the stamp file and a fresh marker in its environment (every process it
     * starts inherits the marker), waits for it, notes the time at once, then counts the orphans.
     */
    private static Ended runMarked(ProcessBuilder pb, Path stamp) throws Exception {
        String marker = UUID.randomUUID().toString();
        pb.environment().put("ANDON_BENCH_STAMP", stamp.toString());
        pb.environment().put("ANDON_BENCH_MARK", marker);
        int exit = pb.start().waitFor();
        long exited = BenchSupport.epochNanos(Instant.now());
        return new Ended(exit, exited, BenchSupport.orphans(marker));
    }


    private static double[] toArray(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

}
