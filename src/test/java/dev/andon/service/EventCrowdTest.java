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

    private static void waitForEventClients(TestService server, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            String metrics = server.get("/metrics").body();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\nandon_sse_clients (\\d+)").matcher(metrics);
            if (m.find() && (n == 0 ? Integer.parseInt(m.group(1)) == 0 : Integer.parseInt(m.group(1)) >= n)) return;
            if (System.nanoTime() > deadline) throw new AssertionError("fewer than " + n + " event clients: " + metrics);
            TestService.sleep(20);
        }
    }
}
