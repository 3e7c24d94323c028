package dev.andon.service;

import static dev.andon.service.TestService.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Requests made to cost the service as much as they can: each costs a bounded amount. */
class HostileRequestsTest {
    private static TestService server;

    @BeforeAll
    static void start() {
        server = TestService.start("");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A valid job beside {@code n} unknown keys: some 12 bytes each, 720 KB for 60,000. */
    static String unknownKeys(int n) {
        StringBuilder b = new StringBuilder("{\"calls\": [{\"name\": \"a\", \"kind\": \"sleep\", \"duration\": \"1ms\"}]");
        for (int k = 0; k < n; k++) b.append(", \"k").append(String.format("%05d", k)).append("\": 1");
        return b.append("}").toString();
    }

    @Test
    void shouldDescribeABoundedNumberOfProblemsAndCountTheRest() {
        HttpResponse<String> r = server.post("/runs", unknownKeys(60_000));
        assertEquals(400, r.statusCode());
        JsonNode body = json(r);
        assertEquals("invalid job", body.get("error").asText());
        assertEquals(100, body.get("problems").size()); // andon.http.max-problems
        assertEquals(59_900, body.get("moreProblems").asInt());
        assertTrue(body.get("detail").asText().endsWith("; ... and 59,900 more"), body.get("detail").asText().substring(0, 200));
        assertTrue(r.body().length() < 64 * 1024, "an answer of " + r.body().length() + " bytes"); // was 22 MB
        assertEquals("k00000", body.at("/problems/0/path").asText());
    }

    @Test
    void shouldCutAHugeKeyShortInTheAnswer() {
        String key = "k".repeat(500_000);
        HttpResponse<String> r = server.post("/runs", "{\"" + key + "\": 1, \"calls\": []}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().length() < 8 * 1024, "an answer of " + r.body().length() + " bytes");
        assertTrue(json(r).at("/problems/0/path").asText().endsWith("... (500000 characters)"), r.body().substring(0, 300));
    }

    @Test
    void shouldKeepAnsweringHealthWhileHugeInvalidJobsArrive() throws Exception {
        String body = unknownKeys(20_000);
        List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
        for (int i = 0; i < 4; i++)
            posts.add(CompletableFuture.supplyAsync(() -> server.post("/runs", body)));
        // They are parsed off the HTTP threads, at most two at a time: health is answered meanwhile.
        int answered = 0;
        while (!posts.stream().allMatch(CompletableFuture::isDone)) {
            HttpResponse<String> health = server.get("/health");
            assertEquals(200, health.statusCode(), health.body());
            answered++;
            TestService.sleep(50);
        }
        for (var p : posts) assertEquals(400, p.get(60, TimeUnit.SECONDS).statusCode());
        assertTrue(answered > 0);
    }

    /**
     * 32 bodies of a megabyte at once were all read and queued for the parser (some 200 MB live,
     * the heap churning, and most answered 503 by Akka's request-timeout after 20 s, parsed anyway):
     * now at most max-parsing-bytes are, and the rest get 503 busy with Retry-After at once.
     */
    @Test
    void shouldRefuseBodiesBeyondTheParsingBudgetAtOnce() throws Exception {
        String body = unknownKeys(20_000);
        try (TestService tight = TestService.start("andon.http.max-parsing-bytes = " + (body.length() + 1))) {
            List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
            for (int i = 0; i < 8; i++) posts.add(CompletableFuture.supplyAsync(() -> tight.post("/runs", body)));
            int invalid = 0;
            int busy = 0;
            for (var p : posts) {
                HttpResponse<String> r = p.get(60, TimeUnit.SECONDS);
                JsonNode error = json(r);
                if (r.statusCode() == 400) {
                    invalid++;
                    assertEquals(19_900, error.get("moreProblems").asInt());
                } else {
                    busy++;
                    assertEquals(503, r.statusCode(), r.body());
                    assertEquals("busy", error.get("error").asText());
                    assertTrue(error.get("detail").asText().contains("andon.http.max-parsing-bytes"), r.body());
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(""));
                }
            }
            assertTrue(invalid >= 1 && busy >= 1, invalid + " parsed, " + busy + " refused");
            assertEquals(0, json(tight.get("/runs")).get("runs").size());
            // The budget was given back: one more is parsed.
            assertEquals(400, tight.post("/runs", body).statusCode());
        }
    }

    @Test
    void shouldDropAClientThatStopsHalfWayThroughItsRequest() throws Exception {
        assertEquals(java.time.Duration.ofSeconds(30), com.typesafe.config.ConfigFactory.load()
                .getDuration("akka.http.server.idle-timeout"), "the default in reference.conf");
        // The same mechanism with a shorter timeout, so that the test need not wait 30 s.
        try (TestService quick = TestService.start("akka.http.server.idle-timeout = 1s");
             java.net.Socket socket = new java.net.Socket("127.0.0.1", quick.service.address().getPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("POST /runs HTTP/1.1\r\nHost: localhost\r\nContent-Le".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            // Closed by the server: read ends (-1), or the connection is reset.
            try {
                while (socket.getInputStream().read() >= 0) { }
            } catch (java.net.SocketException reset) {
                // as good as closed
            }
            long waited = (System.nanoTime() - start) / 1_000_000;
            assertTrue(waited < 15_000, "dropped after " + waited + " ms");
            assertEquals(200, quick.get("/health").statusCode());
        }
    }
}
