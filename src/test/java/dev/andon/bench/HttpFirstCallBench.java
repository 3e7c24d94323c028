package dev.andon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The first {@code http} call of a fresh JVM against the second: {@code scripts/andon run} (a JVM
 * of its own each time) of a job of two calls one after the other ({@code max-parallelism = 1}),
 * each timed from the instants its report gives ({@code startedAt} to {@code finishedAt}, ns).
 * Two jobs: {@code first-200}, two GETs answered 200 by a local server (this harness's own, in
 * its JVM), and {@code first-refused}, two GETs to {@code 127.0.0.1:1} (connection refused).
 * The headline, {@code http_first_call_ratio}, is the median first call of {@code first-200} ÷
 * its median second call; {@code http_first_call_refused_ratio} the same for the refused pair.
 *
 * <p>Interleaved with each, for context, the same run with {@code -Dandon.http-client.warm-up=off}
 * (as Andon was before it warmed the JVM up for http).
 *
 * <p>Usage: {@code HttpFirstCallBench --home DIR --warmup 1 --reps 10 --out FILE}
 */
public final class HttpFirstCallBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Path home = Path.of(BenchSupport.arg(args, "home", ".")).toAbsolutePath().normalize();
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup", "1"));
        int reps = Integer.parseInt(BenchSupport.arg(args, "reps", "10"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/http-first-call.json"));
        Path work = Files.createTempDirectory("andon-bench-http");

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.createContext("/", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        String local = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        Path config = work.resolve("http-first-call.conf");
        Files.writeString(config, "include file(\"" + home.resolve("conf/application.conf") + "\")\n"
                + "andon.jobs.first-200 { max-parallelism = 1, calls = [\n"
                + "  { name = first, kind = http, url = \"" + local + "\" }\n"
                + "  { name = second, kind = http, url = \"" + local + "\" } ] }\n"
                + "andon.jobs.first-refused { max-parallelism = 1, failure-policy = all-settled, calls = [\n"
                + "  { name = first, kind = http, url = \"http://127.0.0.1:1/\" }\n"
                + "  { name = second, kind = http, url = \"http://127.0.0.1:1/\" } ] }\n");

        Map<String, List<double[]>> samples = new LinkedHashMap<>();
        for (String key : List.of("first-200", "first-refused", "first-200 warm-up off", "first-refused warm-up off"))
            samples.put(key, new ArrayList<>());
        try {
            for (int r = -warmup; r < reps; r++) {
                for (String key : samples.keySet()) {
                    String job = key.split(" ")[0];
                    double[] pair = once(home, work, config, job, key.endsWith("off"));
                    if (r >= 0) samples.get(key).add(pair);
                    System.out.printf("  rep %d %-26s first %7.1f ms, second %6.1f ms%n", r, key, pair[0], pair[1]);
                }
            }
        } finally {
            server.stop(0);
        }

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("repetitions", reps);
        result.put("warmup_repetitions", warmup);
        Double ratio = null;
        Double refusedRatio = null;
        for (Map.Entry<String, List<double[]>> e : samples.entrySet()) {
            double[] first = e.getValue().stream().mapToDouble(p -> p[0]).toArray();
            double[] second = e.getValue().stream().mapToDouble(p -> p[1]).toArray();
            String name = e.getKey().replace(' ', '_').replace('-', '_');
            double r = BenchSupport.percentile(first, 50) / BenchSupport.percentile(second, 50);
            result.put(name + "_first_ms", BenchSupport.stats(first));
            result.put(name + "_second_ms", BenchSupport.stats(second));
            result.put(name + "_ratio", BenchSupport.round(r));
            if (e.getKey().equals("first-200")) ratio = r;
            if (e.getKey().equals("first-refused")) refusedRatio = r;
        }
        result.put("http_first_call_ratio", ratio == null ? null : BenchSupport.round(ratio));
        result.put("http_first_call_refused_ratio", refusedRatio == null ? null : BenchSupport.round(refusedRatio));
        BenchSupport.write(out, result);
        System.out.printf("http first call: first ÷ second %.2f (200), %.2f (refused)%n", ratio, refusedRatio);
    }

    /** One {@code andon run JOB}: the first and the second call's durations, ms. */
    private static double[] once(Path home, Path work, Path config, String job, boolean warmUpOff) throws Exception {
        Path stdout = work.resolve("report.json");
        Path stderr = work.resolve("andon.err");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("scripts/andon").toString(), "run", job,
                "--config", config.toString(), "--json", "--no-record")
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        if (warmUpOff) pb.environment().put("JAVA_OPTS", "-Dandon.http-client.warm-up=off");
        int exit = pb.start().waitFor();
        int expected = job.equals("first-200") ? 0 : 1;
        if (exit != expected) throw new IllegalStateException("andon run " + job + " exited " + exit + "; see " + stderr);
        JsonNode report = JSON.readTree(stdout.toFile());
        double[] pair = new double[2];
        for (JsonNode c : report.get("calls")) {
            String want = job.equals("first-200") ? "SUCCEEDED" : "FAILED";
            if (!c.get("status").asText().equals(want))
                throw new IllegalStateException(job + ": " + c.get("name").asText() + " " + c.get("status").asText());
            double ms = Duration.between(Instant.parse(c.get("startedAt").asText()), Instant.parse(c.get("finishedAt").asText()))
                    .toNanos() / 1e6;
            pair[c.get("name").asText().equals("first") ? 0 : 1] = ms;
        }
        return pair;
    }
}
