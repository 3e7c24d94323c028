package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.andon.run.ReportJson;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The service's part of CoordinatedShutdown, in process. */
class ShutdownTest {

    @Test
    void shouldEndEventStreamsWithTheAbortedReportAndSumUpTheShutdown() throws Exception {
        TestService server = TestService.start("");
        try {
            // A call deaf to the abort keeps the shutdown in its requests-done phase for the grace.
            String id = TestService.json(server.post("/runs", """
                    {"abort-grace": "2s", "calls": [{"name": "deaf", "kind": "sleep", "duration": "3s", "ignore-abort": true},
                                                    {"name": "polite", "kind": "sleep", "duration": "30s"}]}"""))
                    .get("id").asText();
            server.awaitRunning(id, 2);
            CompletableFuture<List<TestService.Sse>> events = CompletableFuture.supplyAsync(() -> server.events(id));
            TestService.sleep(200);

            var stopped = server.andon.shutdown();

            List<TestService.Sse> stream = events.get(10, TimeUnit.SECONDS);
            TestService.Sse last = stream.get(stream.size() - 1);
            assertEquals("run-finished", last.type());
            JsonNode report = ReportJson.mapper().readTree(last.data()).get("report");
            assertEquals("ABORTED", report.get("status").asText());
            assertEquals("shutdown", report.get("abortReason").asText());
            assertEquals(List.of("ABANDONED", "ABORTED"), TestService.texts(report.get("calls"), "status"));

            stopped.toCompletableFuture().get(10, TimeUnit.SECONDS);
            ShutdownSummary summary = server.service.summary().toCompletableFuture().get(1, TimeUnit.SECONDS);
            assertEquals(1, summary.runs());
            assertEquals(1, summary.aborted());
            assertEquals(1, summary.abandoned());
            assertTrue(summary.toString().startsWith("1 run live at shutdown, 1 aborted; 2 calls"), summary.toString());
        } finally {
            server.close();
        }
    }
}
