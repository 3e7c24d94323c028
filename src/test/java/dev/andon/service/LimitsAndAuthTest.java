package dev.andon.service;

import static dev.andon.service.AndonServiceTest.assertError;
import static dev.andon.service.TestService.json;
import static dev.andon.service.TestService.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bearer token and the limits (body size, live runs, calls per run, event clients, history). */
class LimitsAndAuthTest {
    private static TestService server;

    @BeforeAll
    static void start() {
        server = TestService.start("""
                andon.http {
                  auth-token = "s3cret-token"
                  allow-inline-commands = on
                  max-body-size = 1 KiB
                  max-live-runs = 2
                  max-calls-per-run = 3
                  max-sse-clients = 1
                  history-size = 3
                  retry-after = 2s
                }
                """);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void abortLeftovers() {
        for (JsonNode run : json(server.get("/runs")).get("runs")) {
            if (run.get("status").asText().equals("RUNNING")) {
                server.post("/runs/" + run.get("id").asText() + "/abort", "");
                server.awaitFinished(run.get("id").asText(), Duration.ofSeconds(10));
            }
        }
    }

    @Test
    void shouldRequireTheTokenEverywhereButHealth() {
        assertEquals(200, anonymous("/health", null).statusCode());
        for (String path : List.of("/jobs", "/runs", "/metrics", "/runs/r-1", "/no/such/route")) {
            HttpResponse<String> r = anonymous(path, null);
            assertError(r, 401, "unauthorized");
            assertEquals("Bearer realm=\"andon\"", r.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertError(anonymous(path, "Bearer s3cret-tokeN"), 401, "unauthorized");
            assertError(anonymous(path, "s3cret-token"), 401, "unauthorized");
        }
        assertEquals(200, server.get("/jobs").statusCode());
        assertError(server.send(HttpRequest.newBuilder(URI.create(server.base + "/jobs/quick/runs"))
                .POST(HttpRequest.BodyPublishers.noBody()).build()), 401, "unauthorized");
        assertEquals(0, json(server.get("/runs")).get("runs").size(), "an unauthorized POST must start nothing");
    }

    @Test
    void shouldRefuseABodyOverTheLimit() {
        String padding = "x".repeat(2048);
        HttpResponse<String> r = server.post("/runs", "{\"description\": \"" + padding + "\", \"calls\": []}");
        assertError(r, 413, "request body too large");
        // Without a Content-Length (chunked), the limit holds as the body streams in.
        HttpResponse<String> chunked = server.send(server.request("/runs").POST(HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(("{\"d\": \"" + padding + "\"}").getBytes()))).build());
        assertError(chunked, 413, "request body too large");
    }

    @Test
    void shouldRefuseMoreLiveRunsThanAllowedWithRetryAfter() {
        String a = server.startJob("slow");
        String b = server.startJob("slow");
        HttpResponse<String> third = server.post("/jobs/quick/runs", "");
        assertError(third, 429, "too many live runs");
        assertEquals("2", third.headers().firstValue("Retry-After").orElseThrow());
        assertError(server.post("/runs", "{\"calls\": [{\"name\": \"x\", \"kind\": \"sleep\", \"duration\": \"1ms\"}]}"),
                429, "too many live runs");
        List<String> live = new java.util.ArrayList<>();
        json(server.get("/runs")).get("runs").forEach(run -> {
            if (run.get("status").asText().equals("RUNNING")) live.add(run.get("id").asText());
        });
        assertEquals(List.of(b, a), live, "the refused runs must not exist");

        server.post("/runs/" + a + "/abort", "");
        server.awaitFinished(a, Duration.ofSeconds(10));
        assertEquals(202, server.post("/jobs/quick/runs", "").statusCode());
    }

    @Test
    void shouldRefuseMoreCallsThanAllowed() {
        HttpResponse<String> r = server.post("/runs", "{\"calls\": [" + String.join(", ", Stream.of("a", "b", "c", "d")
                .map(n -> "{\"name\": \"" + n + "\", \"kind\": \"sleep\", \"duration\": \"1ms\"}").toList()) + "]}");
        assertError(r, 400, "invalid job");
        assertEquals("calls", json(r).at("/problems/0/path").asText());
        assertTrue(json(r).get("detail").asText().contains("at most 3"), r.body());
    }

    @Test
    void shouldRefuseMoreEventClientsThanAllowed() throws Exception {
        String id = server.startJob("slow");
        CompletableFuture<HttpResponse<Void>> first = server.http.sendAsync(
                server.request("/runs/" + id + "/events").GET().build(), HttpResponse.BodyHandlers.discarding());
        waitForEventClients(1);
        HttpResponse<String> second = server.get("/runs/" + id + "/events");
        assertError(second, 503, "too many event clients");
        assertEquals("2", second.headers().firstValue("Retry-After").orElseThrow());

        server.post("/runs/" + id + "/abort", "");
        assertEquals(200, first.get().statusCode());
        server.awaitFinished(id, Duration.ofSeconds(10));
        // The first client's slot is free again once its stream ended.
        waitForEventClients(0);
        assertEquals(200, server.get("/runs/" + id + "/events").statusCode());
    }

    @Test
    void shouldRunInlineCommandsWhenAllowed() {
        HttpResponse<String> r = server.post("/runs", "{\"calls\": [{\"name\": \"t\", \"kind\": \"command\", \"command\": [\"true\"]}]}");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("SUCCEEDED", server.awaitFinished(json(r).get("id").asText(), Duration.ofSeconds(10)).get("status").asText());
    }

    @Test
    void shouldForgetTheOldestFinishedRunsBeyondTheHistory() {
        List<String> ids = Stream.of(1, 2, 3, 4).map(i -> {
            String id = server.startJob("quick");
            server.awaitFinished(id, Duration.ofSeconds(10));
            return id;
        }).toList();
        List<String> listed = texts(json(server.get("/runs")).get("runs"), "id");
        assertEquals(List.of(ids.get(3), ids.get(2), ids.get(1)), listed);
        assertError(server.get("/runs/" + ids.get(0)), 404, "unknown run");
    }

    @Test
    void shouldForgetRunsInTheOrderTheyFinishedAndNeverALiveOne() {
        String longRun = server.startJob("slow");
        List<String> quick = Stream.of(1, 2, 3, 4).map(i -> {
            String id = server.startJob("quick");
            server.awaitFinished(id, Duration.ofSeconds(10));
            return id;
        }).toList();
        // Four runs finished after it started, one more than the history holds: the live run stays.
        assertEquals("RUNNING", json(server.get("/runs/" + longRun)).get("status").asText());
        assertError(server.get("/runs/" + quick.get(0)), 404, "unknown run");

        server.post("/runs/" + longRun + "/abort", "");
        server.awaitFinished(longRun, Duration.ofSeconds(10));
        // It finished last, so it is the newest in the history; the first of the others to finish goes.
        assertEquals("ABORTED", json(server.get("/runs/" + longRun)).get("status").asText());
        // GET /runs lists by submission, newest first.
        assertEquals(List.of(quick.get(3), quick.get(2), longRun), texts(json(server.get("/runs")).get("runs"), "id"));
        assertError(server.get("/runs/" + quick.get(1)), 404, "unknown run");
    }

    private static void waitForEventClients(int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        String line = "andon_sse_clients " + n + ".0";
        while (!server.get("/metrics").body().contains("\n" + line + "\n")) {
            if (System.nanoTime() > deadline) throw new AssertionError("never " + line);
            TestService.sleep(20);
        }
    }

    private static HttpResponse<String> anonymous(String path, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base + path)).GET();
        if (authorization != null) b.header("Authorization", authorization);
        return server.send(b.build());
    }
}
