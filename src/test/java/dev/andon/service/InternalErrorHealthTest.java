package dev.andon.service;

import static dev.andon.service.TestService.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** After an internal error (a bug in Andon), GET /health says DEGRADED and why, and the run's slot is free. */
class InternalErrorHealthTest {
    @Test
    void shouldSayDegradedWithTheReasonAfterAnInternalError() {
        try (TestService server = TestService.start("andon.http.max-live-runs = 1")) {
            assertEquals("UP", json(server.get("/health")).get("status").asText());
            HttpResponse<String> r = server.post("/runs", """
                    {"abort-grace": "1s", "calls": [{"name": "bug", "kind": "class", "class": "dev.andon.run.ThrowsUnprintably",
                                                     "retry": {"attempts": 2, "on": ["status=503"]}},
                                                    {"name": "long", "kind": "sleep", "duration": "60s"}]}""");
            assertEquals(202, r.statusCode(), r.body());
            JsonNode report = server.awaitFinished(json(r).get("id").asText(), Duration.ofSeconds(30));
            assertEquals("FAILED", report.get("status").asText(), report.toString());
            assertTrue(report.at("/cause/error").asText().startsWith("internal error in Andon"), report.toString());
            JsonNode health = json(server.get("/health"));
            assertEquals("DEGRADED", health.get("status").asText(), health.toString());
            assertTrue(health.get("reason").asText().contains("internal error in run " + report.get("id").asText()), health.toString());
            // The one live-run slot is free again.
            assertEquals(202, server.post("/jobs/quick/runs", "").statusCode());
        }
    }
}
