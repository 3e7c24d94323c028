package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A crowd on one run's event stream, and on the service-wide one, whose streams end before Akka's
 * stream subscription timeout: no dead letter, logged or not (TestService.close fails on one).
 * Before, each client's stream was a pre-materialized fan-out publisher whose subscription
 * timeout then reached a stopped actor: 100 clients on a run aborted 5 s after they connected
 * logged 1-10 SubscriptionTimeout dead letters from fanoutPublisherSink (Akka logs at most 10).
 */
class EventCrowdTest {
    private static final int CLIENTS = 40;

    @Test
    void shouldLeaveNoDeadLetterWhenACrowdsStreamsEndBeforeTheSubscriptionTimeout() throws Exception {
        // The timeout shortened from Akka's 5 s, so that the test need not wait for it.
        try (TestService server = TestService.start("akka.stream.materializer.subscription-timeout.timeout = 1s")) {
            String id = server.startJob("slow");
            server.awaitRunning(id, 2);
            List<CompletableFuture<List<TestService.Sse>>> clients = new ArrayList<>();
            List<java.io.InputStream> serviceWide = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(CompletableFuture.supplyAsync(() -> server.events(id)));
                serviceWide.add(server.http.send(server.request("/events").GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofInputStream()).body());
            }
            waitForEventClients(server, 2 * CLIENTS);
            // The run's streams end with the run; the service-wide ones when their clients leave.
            server.post("/runs/" + id + "/abort", "");
            for (var c : clients) {
                List<TestService.Sse> events = c.get(20, TimeUnit.SECONDS);
                assertEquals("run-finished", events.get(events.size() - 1).type());
            }
            for (var in : serviceWide) in.close();
            waitForEventClients(server, 0);
            TestService.sleep(2_000); // past the subscription timeout of every stream
            assertEquals(List.of(), server.deadLetters);
        }
    }

    /**
     * A client that hangs up gives its place back at once, while its run is live and quiet. Akka
     * HTTP cancels a streaming response only when it next writes to the closed connection
     * (akka-http#1977), so a quiet stream held its place until a heartbeat (15 s) or its run's end:
     * clients that reconnect often (a browser's EventSource) ran out of {@code max-sse-clients}
     * and got 503, as RunEventResumeTest's cutting clients did on a slow machine.
     */
    @Test
    void shouldGiveAClientsPlaceBackAsSoonAsItHangsUp() throws Exception {
        try (TestService server = TestService.start("andon.http.max-sse-clients = 3")) {
            String id = server.startJob("slow");
            server.awaitRunning(id, 2);
            for (int i = 0; i < 20; i++) {
                String path = i % 2 == 0 ? "/runs/" + id + "/events" : "/events";
                var r = server.http.send(server.request(path).header("Accept", "text/event-stream").GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode(), "connection " + (i + 1) + " to " + path + ", a place at most 3 at once");
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), java.nio.charset.StandardCharsets.UTF_8))) {
                    if (i % 2 == 0) assertEquals("run-started", firstEvent(in).type());
                }
                waitForEventClients(server, 0);
            }
            server.post("/runs/" + id + "/abort", "");
        }
    }

    private static TestService.Sse firstEvent(java.io.BufferedReader in) throws java.io.IOException {
        List<TestService.Sse> got = new ArrayList<>();
        TestService.SseLines parser = new TestService.SseLines(got::add);
        for (String line; got.isEmpty() && (line = in.readLine()) != null; ) parser.line(line);
        return got.get(0);
    }

    private static void waitForEventClients(TestService server, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(n == 0 ? 5 : 30);
        while (true) {
            String metrics = server.get("/metrics").body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\nandon_sse_clients (\\d+)").matcher(metrics);
            if (m.find() && (n == 0 ? Integer.parseInt(m.group(1)) == 0 : Integer.parseInt(m.group(1)) >= n)) return;
            if (System.nanoTime() > deadline) throw new AssertionError((n == 0 ? "event clients still counted after 5 s: "
                    : "fewer than " + n + " event clients: ") + metrics.lines().filter(l -> l.startsWith("andon_sse")).toList());
            TestService.sleep(20);
        }
    }
}
