package dev.andon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import dev.andon.service.AndonService;
import dev.andon.service.ServiceSettings;
import dev.andon.store.RunStore;
import dev.andon.store.RunStores;
import dev.andon.store.StoreSettings;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code schedule_lag_p99_ms}: {@code --jobs} jobs (200) with {@code every = 1s}, fired by the
 * service for {@code --seconds} (60), with its store as {@code andon serve} has it by default (a
 * fresh SQLite file: each fire committed with its run; {@code --store memory} to compare, nothing
 * written); the lag of each fire is its
 * run's {@code run-started} time minus its fire time, both read from {@code GET /events} as a
 * client sees them. It fails only when a fire is lost or doubled, never on a slow number.
 *
 * <p>Usage: {@code ScheduleLagBench --jobs 200 --seconds 60 [--store sqlite|memory] --out FILE}
 */
public final class ScheduleLagBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScheduleLagBench() {
    }

    public static void main(String[] args) throws Exception {
        int jobs = Integer.parseInt(BenchSupport.arg(args, "jobs", "200"));
        int seconds = Integer.parseInt(BenchSupport.arg(args, "seconds", "60"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/schedule-lag.json"));
        StoreSettings.Kind kind = StoreSettings.Kind.valueOf(BenchSupport.arg(args, "store", "sqlite").toUpperCase());
        Path work = Files.createTempDirectory("andon-bench-schedules");
        StringBuilder catalog = new StringBuilder("andon.jobs {\n");
        for (int i = 0; i < jobs; i++)
            catalog.append("  s").append(i).append(" { schedule { every = 1s }, calls = [ { name = a, kind = sleep, duration = 1ms } ] }\n");
        catalog.append("}\n");
        Config config = ConfigFactory.parseString(catalog.toString())
                .withFallback(ConfigFactory.parseString("""
                        andon.http.port = 0
                        andon.http.max-live-runs = 10000
                        andon.http.sse-buffer = 100000
                        akka.loglevel = WARNING
                        """))
                .withFallback(ConfigFactory.parseMap(Map.of("andon.store.path", work.resolve("andon.db").toString())))
                .withFallback(ConfigFactory.load()).resolve();
        Problems problems = new Problems();
        Andon[] holder = new Andon[1];
        Catalog jobsCatalog = Catalog.load(config, new KindContext(config, () -> holder[0].httpClient().get()), problems);
        if (!problems.isEmpty()) throw new IllegalStateException(problems.list().toString());

        Map<String, Instant> fireOf = new ConcurrentHashMap<>();     // run id -> fire time
        Map<String, Instant> startOf = new ConcurrentHashMap<>();    // run id -> run-started
        Map<String, Instant> submitOf = new ConcurrentHashMap<>();   // run id -> run-submitted (admitted by the registry)
        Map<String, Set<Instant>> firesByJob = new ConcurrentHashMap<>();
        List<String> doubled = java.util.Collections.synchronizedList(new ArrayList<>());
        int skipped;
        Instant measureFrom;
        Instant measureUntil;
        RunStore store = RunStores.open(StoreSettings.from(config).withKind(kind));
        try (Andon andon = Andon.start(AndonService.systemConfig(config, jobsCatalog), "bench-schedules", store)) {
            holder[0] = andon;
            AndonService service = AndonService.start(andon, jobsCatalog, ServiceSettings.from(config),
                    Clock.systemUTC()).toCompletableFuture().join();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<InputStream> events = http.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + service.address().getPort() + "/events")).header("Accept", "text/event-stream")
                            .GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (events.statusCode() != 200) throw new IllegalStateException("GET /events: " + events.statusCode());
            int[] skips = new int[1];
            Thread reader = new Thread(() -> read(events.body(), fireOf, startOf, submitOf, firesByJob, doubled, skips), "bench-events");
            reader.setDaemon(true);
            reader.start();
            // The first seconds warm the JIT up; the lag is measured over the rest.
            measureFrom = Instant.now().plusSeconds(Math.min(10, seconds / 6));
            measureUntil = Instant.now().plusSeconds(seconds);
            Thread.sleep(Duration.between(Instant.now(), measureUntil).toMillis() + 2_000);
            skipped = skips[0];
            events.body().close();
        }
        List<Double> lags = new ArrayList<>();
        List<Double> toAdmitted = new ArrayList<>();
        List<Double> admittedToStarted = new ArrayList<>();
        fireOf.forEach((run, fire) -> {
            Instant started = startOf.get(run);
            if (started != null && !fire.isBefore(measureFrom) && fire.isBefore(measureUntil)) {
                lags.add(Duration.between(fire, started).toNanos() / 1e6);
                Instant admitted = submitOf.get(run);
                if (admitted != null) {
                    toAdmitted.add(Duration.between(fire, admitted).toNanos() / 1e6);
                    admittedToStarted.add(Duration.between(admitted, started).toNanos() / 1e6);
                }
            }
        });
        System.out.printf("  %d fires seen, %d runs started seen%n", fireOf.size(), startOf.size());
        double[] ms = lags.stream().mapToDouble(Double::doubleValue).toArray();
        long fires = firesByJob.values().stream().mapToLong(Set::size).sum();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("jobs", jobs);
        result.put("store", kind.name().toLowerCase());
        result.put("seconds", seconds);
        result.put("fires", fires);
        result.put("measured", ms.length);
        result.put("skipped", skipped);
        result.put("doubled", doubled.size());
        result.put("lag_ms", BenchSupport.stats(ms));
        // Where it goes: fire time -> admitted by the registry (timer, scheduler), admitted -> run
        // started (the submission's commit with its fire, the run's start). A fire submitted ahead
        // of its time (andon.schedules.submit-ahead) is admitted before it: a negative first part.
        double[] a = toAdmitted.stream().mapToDouble(Double::doubleValue).toArray();
        double[] b = admittedToStarted.stream().mapToDouble(Double::doubleValue).toArray();
        result.put("fire_to_admitted_ms", BenchSupport.stats(a));
        result.put("admitted_to_started_ms", BenchSupport.stats(b));
        result.put("schedule_lag_p99_ms", BenchSupport.round(BenchSupport.percentile(ms, 99)));
        BenchSupport.write(out, result);
        System.out.printf("schedule lag, %d jobs every 1s for %d s: %d fires, %d measured, p50 %.2f ms, p99 %.2f ms, "
                        + "max %.2f ms; %d skipped, %d doubled%n", jobs, seconds, fires, ms.length,
                BenchSupport.percentile(ms, 50), BenchSupport.percentile(ms, 99),
                ms.length == 0 ? Double.NaN : java.util.Arrays.stream(ms).max().getAsDouble(), skipped, doubled.size());
        System.out.printf("  fire -> admitted p50 %.2f p99 %.2f ms; admitted -> started p50 %.2f p99 %.2f ms%n",
                BenchSupport.percentile(a, 50), BenchSupport.percentile(a, 99), BenchSupport.percentile(b, 50),
                BenchSupport.percentile(b, 99));
        if (!doubled.isEmpty() || ms.length == 0) {
            System.err.println("schedule lag: WRONG: doubled fires " + doubled + ", " + ms.length + " measured");
            System.exit(1);
        }
    }

    private static void read(InputStream body, Map<String, Instant> fireOf, Map<String, Instant> startOf,
                             Map<String, Instant> submitOf, Map<String, Set<Instant>> firesByJob, List<String> doubled, int[] skipped) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String type = null;
            String data = null;
            // A frame's fields come in any order (Akka writes data before event); a blank line ends it.
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("event:")) type = line.substring(6).trim();
                else if (line.startsWith("data:")) data = line.substring(5).trim();
                else if (line.isEmpty() && type != null && data != null) {
                    JsonNode n = JSON.readTree(data);
                    switch (type) {
                        case "schedule-fired" -> {
                            Instant fire = Instant.parse(n.get("fireTime").asText());
                            fireOf.put(n.get("runId").asText(), fire);
                            if (!firesByJob.computeIfAbsent(n.get("job").asText(), j -> ConcurrentHashMap.newKeySet()).add(fire))
                                doubled.add(n.get("job").asText() + "@" + fire);
                        }
                        case "run-started" -> startOf.put(n.get("runId").asText(), Instant.parse(n.get("at").asText()));
                        case "run-submitted" -> submitOf.put(n.get("runId").asText(), Instant.parse(n.get("at").asText()));
                        case "schedule-skipped" -> skipped[0]++;
                        default -> { }
                    }
                    type = null;
                    data = null;
                }
            }
        } catch (java.io.IOException e) {
            // closed at the end
        }
    }
}
