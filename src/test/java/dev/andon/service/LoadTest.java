package dev.andon.service;

import static dev.andon.service.TestService.json;
import static dev.andon.service.TestService.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many runs at once: nothing lost, a big run does not starve a small one, a job on its own
 * dispatcher is isolated, and abandoned threads degrade the health.
 */
class LoadTest {
    private static TestService server;

    @BeforeAll
    static void start() {
        server = TestService.start("""
                andon {
                  # A bulkhead: jobs naming it do not share the blocking dispatcher.
                  isolated-dispatcher {
                    type = Dispatcher
                    executor = "dev.andon.run.BlockingExecutorConfigurator"
                    pool-size = 2
                    thread-name-prefix = "andon-isolated"
                    throughput = 1
                  }
                  tiny-dispatcher = ${andon.isolated-dispatcher} { pool-size = 3, thread-name-prefix = "andon-tiny" }
                  http.max-live-runs = 300
                }
                andon.jobs.big {
                  max-parallelism = 1000
                  calls = [ %s ]
                }
                """.formatted(IntStream.range(0, 1000).mapToObj(i -> "{ name = b" + i + ", kind = sleep, duration = 200ms }")
                .collect(Collectors.joining("\n"))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void shouldReportEveryRunAndEveryCallOnceUnder200ConcurrentRuns() throws Exception {
        int runs = 200;
        int callsPerRun = 5;
        String job = "{\"name\": \"load\", \"calls\": [" + IntStream.range(0, callsPerRun)
                .mapToObj(i -> "{\"name\": \"c" + i + "\", \"kind\": \"sleep\", \"duration\": \"" + (i * 10) + "ms\"}")
                .collect(Collectors.joining(", ")) + "]}";
        double startedBefore = metric("andon_runs_started_total");
        double finishedBefore = metric("andon_calls_finished_total{status=\"SUCCEEDED\"}");

        long t0 = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(32);
        List<CompletableFuture<String>> posted = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            posted.add(CompletableFuture.supplyAsync(() -> {
                HttpResponse<String> r = server.post("/runs", job);
                assertEquals(202, r.statusCode(), r.body());
                return json(r).get("id").asText();
            }, clients));
        }
        List<String> ids = posted.stream().map(CompletableFuture::join).toList();
        assertEquals(runs, new HashSet<>(ids).size(), "run ids must be unique");

        // A few clients listen to the events of some runs while all of them run.
        Map<String, CompletableFuture<List<TestService.Sse>>> streams = new ConcurrentHashMap<>();
        for (String id : ids.subList(0, 20)) {
            streams.put(id, CompletableFuture.supplyAsync(() -> server.events(id), clients));
        }
        List<JsonNode> reports = ids.stream()
                .map(id -> CompletableFuture.supplyAsync(() -> server.awaitFinished(id, Duration.ofSeconds(30)), clients))
                .toList().stream().map(CompletableFuture::join).toList();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        clients.shutdown();
        System.err.println("LoadTest: " + runs + " runs x " + callsPerRun + " calls, all reported in " + millis + " ms");

        for (JsonNode report : reports) {
            assertEquals("SUCCEEDED", report.get("status").asText(), report.toString());
            assertEquals(List.of("c0", "c1", "c2", "c3", "c4"), texts(report.get("calls"), "name"));
            assertEquals(List.of("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"),
                    texts(report.get("calls"), "status"));
        }
        Set<String> listed = new HashSet<>(texts(json(server.get("/runs")).get("runs"), "id"));
        assertTrue(listed.containsAll(ids), "GET /runs must list every run");

        for (var e : streams.entrySet()) {
            List<TestService.Sse> events = e.getValue().join();
            Map<String, Long> byType = events.stream().collect(Collectors.groupingBy(TestService.Sse::type,
                    Collectors.counting()));
            assertEquals(Map.of("run-started", 1L, "call-started", 5L, "call-finished", 5L, "run-finished", 1L), byType,
                    "events of " + e.getKey());
        }
        assertEquals(runs, metric("andon_runs_started_total") - startedBefore, 0.0);
        assertEquals(runs * callsPerRun, metric("andon_calls_finished_total{status=\"SUCCEEDED\"}") - finishedBefore, 0.0);
        assertEquals(0, metric("andon_calls_running"), 0.0);
        assertEquals(0, metric("andon_calls_queued"), 0.0);
    }

    @Test
    void shouldNotLetABigRunStarveASmallOne() {
        // 1000 calls of 200 ms asking for 1000 at once: the service holds each run to its
        // dispatcher's pool size. The small run's calls wait in the pool's queue while the big
        // run's first 64 hold every thread; a thread that finishes a big call would run the big
        // run's next one itself, but not while other work waits there (after its first 10 ms),
        // so the small run's calls get the next threads to come free.
        Instant t0 = Instant.now();
        String big = server.startJob("big");
        Instant t1 = Instant.now();
        String small = server.startJob("quick");
        Instant t2 = Instant.now();
        JsonNode smallReport = server.awaitFinished(small, Duration.ofSeconds(30));
        JsonNode bigReport = server.awaitFinished(big, Duration.ofSeconds(60));
        long smallMillis = smallReport.get("durationMillis").asLong();
        long bigMillis = bigReport.get("durationMillis").asLong();
        Instant smallFinished = Instant.parse(smallReport.get("finishedAt").asText());
        long bigCallsAfter = 0;
        for (JsonNode c : bigReport.get("calls")) {
            if (Instant.parse(c.get("startedAt").asText()).isAfter(smallFinished)) bigCallsAfter++;
        }
        System.err.println("LoadTest: a 2-call run took " + smallMillis + " ms beside a 1000-call run of " + bigMillis
                + " ms, which started " + bigCallsAfter + " of its calls after the small run had finished");
        System.err.println("LoadTest: POST big answered in " + Duration.between(t0, t1).toMillis() + " ms (its run started "
                + Duration.between(t0, Instant.parse(bigReport.get("startedAt").asText())).toMillis() + " ms after the POST), "
                + "POST small in " + Duration.between(t1, t2).toMillis() + " ms");
        assertEquals("SUCCEEDED", smallReport.get("status").asText());
        assertEquals("SUCCEEDED", bigReport.get("status").asText());
        assertTrue(Instant.parse(smallReport.get("startedAt").asText()).isBefore(Instant.parse(bigReport.get("finishedAt").asText())),
                "the test could not judge: the small run was only started after the big one had finished");
        assertTrue(bigCallsAfter > 0, "the small run should finish while the big one still has calls to start");
        // Behind the big run's queue it would have taken about as long as the big run itself.
        assertTrue(smallMillis < bigMillis / 4, smallMillis + " ms vs " + bigMillis + " ms");
    }

    @Test
    void shouldIsolateAJobOnItsOwnDispatcher() {
        // 64 long calls hold every thread of the shared blocking dispatcher...
        String filler = post(sleeps("filler", null, "f", 64, "60s"));
        server.awaitRunning(filler, 64);
        // ...yet a job on its own dispatcher runs at once.
        String isolated = post(sleeps("isolated", "\"dispatcher\": \"andon.isolated-dispatcher\"", "i", 2, "10ms"));
        JsonNode report = server.awaitFinished(isolated, Duration.ofSeconds(10));
        assertEquals("SUCCEEDED", report.get("status").asText());
        assertTrue(report.at("/calls/0/thread").asText().startsWith("andon-isolated-"), report.toString());
        assertEquals("RUNNING", json(server.get("/runs/" + filler)).get("status").asText());
        server.post("/runs/" + filler + "/abort", "");
        assertEquals("ABORTED", server.awaitFinished(filler, Duration.ofSeconds(10)).get("status").asText());
    }

    @Test
    void shouldReportDegradedHealthWhenAbandonedThreadsHoldMostOfADispatcher() {
        String id = post("""
                {"name": "deaf", "dispatcher": "andon.tiny-dispatcher", "abort-grace": "100ms",
                 "calls": [{"name": "fails", "kind": "sleep", "duration": "50ms", "fail": "gave up"},
                           {"name": "deaf1", "kind": "sleep", "duration": "20s", "ignore-abort": true},
                           {"name": "deaf2", "kind": "sleep", "duration": "20s", "ignore-abort": true}]}""");
        JsonNode report = server.awaitFinished(id, Duration.ofSeconds(10));
        assertEquals(List.of("FAILED", "ABANDONED", "ABANDONED"), texts(report.get("calls"), "status"));
        JsonNode health = json(server.get("/health"));
        assertEquals("DEGRADED", health.get("status").asText(), health.toString());
        assertEquals(2, health.at("/dispatchers/andon.tiny-dispatcher/abandonedThreads").asInt());
        assertEquals("UP", health.at("/dispatchers/andon.blocking-dispatcher/status").asText());
        assertTrue(metric("andon_abandoned_threads{dispatcher=\"andon.tiny-dispatcher\"}") >= 2);
    }

    private static String post(String job) {
        HttpResponse<String> r = server.post("/runs", job);
        assertEquals(202, r.statusCode(), r.body());
        return json(r).get("id").asText();
    }

    /** A posted job of {@code n} sleep calls {@code prefix0..} of {@code duration}, with job {@code settings} (JSON members). */
    private static String sleeps(String name, String settings, String prefix, int n, String duration) {
        return "{\"name\": \"" + name + "\", " + (settings == null ? "" : settings + ", ") + "\"calls\": ["
                + IntStream.range(0, n).mapToObj(i -> "{\"name\": \"" + prefix + i + "\", \"kind\": \"sleep\", "
                + "\"duration\": \"" + duration + "\"}").collect(Collectors.joining(", ")) + "]}";
    }

    /** The value of one sample of {@code GET /metrics} (0 when absent). */
    static double metric(String sample) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(sample) + " (\\S+)$").matcher(server.get("/metrics").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
