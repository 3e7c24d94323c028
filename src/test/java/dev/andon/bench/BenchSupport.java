package dev.andon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the benchmark harnesses share: an Andon of a given pool size, statistics, JSON output. */
final class BenchSupport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchSupport() {
    }

    /** Andon with its blocking dispatcher sized {@code threads}; reference.conf for everything else. */
    static Andon andon(int threads, String name) {
        Config config = ConfigFactory.parseMap(Map.of(
                        "andon.blocking-dispatcher.pool-size", threads,
                        "akka.loglevel", "WARNING"))
                .withFallback(ConfigFactory.load());
        return Andon.start(config, name);
    }

    /** Nearest-rank percentile of {@code values} (not modified), {@code p} in [0, 100]. */
    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static Map<String, Object> stats(double[] values) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", values.length);
        m.put("min", round(Arrays.stream(values).min().orElse(Double.NaN)));
        m.put("p50", round(percentile(values, 50)));
        m.put("p90", round(percentile(values, 90)));
        m.put("p99", round(percentile(values, 99)));
        m.put("max", round(Arrays.stream(values).max().orElse(Double.NaN)));
        return m;
    }

    static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    static double millis(long nanos) {
        return nanos / 1_000_000.0;
    }

    /** Writes {@code result} as JSON to {@code file}, creating its directory. */
    static void write(Path file, Map<String, Object> result) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        JSON.writeValue(file.toFile(), result);
    }

    /** Processes that still carry {@code ANDON_BENCH_MARK=marker}, now and 200 ms later (the most seen). */
    static int orphans(String marker) throws InterruptedException {
        int now = countMarked(marker);
        Thread.sleep(200);
        int later = countMarked(marker);
        if (now + later > 0) System.out.printf("  ORPHANS: %d right after exit, %d after 200 ms%n", now, later);
        return Math.max(now, later);
    }

    private static int countMarked(String marker) {
        byte[] needle = ("ANDON_BENCH_MARK=" + marker).getBytes();
        int n = 0;
        File[] procs = new File("/proc").listFiles((d, name) -> name.chars().allMatch(Character::isDigit));
        if (procs == null) return 0;
        for (File proc : procs) {
            try {
                byte[] env = Files.readAllBytes(proc.toPath().resolve("environ"));
                if (indexOf(env, needle) >= 0) n++;
            } catch (IOException | SecurityException gone) {
                // exited meanwhile, or not ours to read
            }
        }
        return n;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    /** {@code t} as nanoseconds since the epoch (the wall clock that {@code date +%s%N} reads). */
    static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    /** Used heap after full GCs, repeated with a settle until it stops shrinking (exact with the serial collector). */
    static long usedAfterGc() throws InterruptedException {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(100);
            Runtime rt = Runtime.getRuntime();
            long used = rt.totalMemory() - rt.freeMemory();
            if (i >= 3 && used >= previous) return Math.min(used, previous);
            previous = Math.min(previous, used);
        }
        return previous;
    }

    /** Deletes {@code dir} and everything under it (a harness's scratch directory), as far as it can. */
    static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            System.err.println("  could not delete " + dir + ": " + e);
        }
    }

    static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++)
            if (args[i].equals("--" + name)) return args[i + 1];
        return fallback;
    }
}
