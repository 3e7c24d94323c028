package dev.andon.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    static String arg(String[] args, String name, String fallback) {
        for (int i = 0; i + 1 < args.length; i++)
            if (args[i].equals("--" + name)) return args[i + 1];
        return fallback;
    }
}
