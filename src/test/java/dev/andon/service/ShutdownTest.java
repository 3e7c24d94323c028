package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.andon.run.ReportJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The service's part of CoordinatedShutdown, in process. */
class ShutdownTest {

    /** One HTTP/1.1 response with a Content-Length body, read off a kept-alive connection. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) throw new IOException("connection closed in the response's head: " + head);
            head.append((char) c);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void shouldEndEventStreamsWithTheAbortedReportAndSumUpTheShutdown() throws Exception {
        TestService server = TestService.start("");
        try {
            // A call deaf to the abort keeps the shutdown in its requests-done phase for the grace.
            String id = TestService.json(server.post("/runs", """
                    {"abort-grace": "2s", "calls": [{"name": "deaf", "kind": "sleep", "duration": "6s", "ignore-abort": true},
                                                    {"name": "polite", "kind": "sleep", "duration": "30s"}]}"""))
                    .get("id").asText();
            server.awaitRunning(id, 2);
            CompletableFuture<List<TestService.Sse>> events = CompletableFuture.supplyAsync(() -> server.events(id));
            TestService.sleep(200);

            // A connection the server has surely accepted: one request answered on it. (A connection
            // still in the listen backlog when the listener closes is reset by the kernel.)
            Socket connection = new Socket("127.0.0.1", server.service.address().getPort());
            connection.setSoTimeout(10_000);
            connection.getOutputStream().write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(readResponse(connection.getInputStream()).startsWith("HTTP/1.1 200 "));
            var stopped = server.andon.shutdown();

            // While the deaf call holds the shutdown, a client on a connection opened before (the
            // listener is unbound by now) is told to come back later, and nothing starts.
            TestService.sleep(300);
            String body = "{\"calls\": [{\"name\": \"late\", \"kind\": \"sleep\", \"duration\": \"1ms\"}]}";
            connection.getOutputStream().write(("POST /runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            String answer = new String(connection.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 503 "), answer);
            assertTrue(answer.contains("\r\nRetry-After: "), answer);
            assertTrue(answer.contains("\"error\":\"shutting down\""), answer);

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

    @Test
    void shouldSumUpEveryRunLiveAtShutdownThoughTheHistoryIsShorter() throws Exception {
        TestService server = TestService.start("andon.http.history-size = 2");
        try {
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) ids.add(server.startJob("slow"));
            for (String id : ids) server.awaitRunning(id, 2);
            server.andon.shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
            ShutdownSummary summary = server.service.summary().toCompletableFuture().get(1, TimeUnit.SECONDS);
            assertEquals("5 runs live at shutdown, 5 aborted; 10 calls {ABORTED=10}; 0 abandoned", summary.toString());
        } finally {
            server.close();
        }
    }
}
