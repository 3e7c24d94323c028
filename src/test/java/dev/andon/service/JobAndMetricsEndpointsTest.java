package dev.andon.service;

import static dev.andon.service.AndonServiceTest.assertError;
import static dev.andon.service.TestService.json;
import static dev.andon.service.TestService.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /jobs/{name}}, and the histograms of {@code /metrics} after real runs. */
class JobAndMetricsEndpointsTest {
    private static TestService server;

    @BeforeAll
    static void start() {
        server = TestService.start("");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void shouldAnswerOneJobOfTheCatalogOrNotFound() {
        HttpResponse<String> r = server.get("/jobs/quick");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode quick = json(r);
        assertEquals("quick", quick.get("name").asText());
        assertEquals(List.of("a", "b"), texts(quick.get("calls"), "name"));
        assertEquals(List.of("sleep", "sleep"), texts(quick.get("calls"), "kind"));
        assertEquals("fail-fast", quick.get("failurePolicy").asText());
        // the same entry as in the list
        JsonNode listed = json(server.get("/jobs")).get("jobs").get(1);
        assertEquals(listed, quick);
        HttpResponse<String> missing = server.get("/jobs/nope");
        assertError(missing, 404, "unknown job");
        assertTrue(missing.body().contains("jobs: failing, quick, slow"), missing.body());
    }

    @Test
    void histogramsShouldHaveBucketsForWhatAndonMeasures() {
        server.awaitFinished(server.startJob("quick"), Duration.ofSeconds(20));
        JsonNode failed = server.awaitFinished(server.startJob("failing"), Duration.ofSeconds(20));
        assertEquals("FAILED", failed.get("status").asText());
        String text = server.get("/metrics").body();
        // name{status="SUCCEEDED", le="0.001"} (labels in any order) -> "name STATUS": [bounds in order]
        Map<String, List<String>> bounds = new TreeMap<>();
        Pattern bucket = Pattern.compile(
                "^(andon_\\w+)_bucket\\{(?=.*\\ble=\"([^\"]+)\")(?=.*\\bstatus=\"(\\w+)\").*");
        int lines = 0;
        for (String line : text.split("\n")) {
            if (line.contains("_bucket{")) lines++;
            Matcher m = bucket.matcher(line);
            if (m.matches()) bounds.computeIfAbsent(m.group(1) + " " + m.group(3), k -> new ArrayList<>()).add(m.group(2));
        }
        List<String> calls = bounds.get("andon_call_duration_seconds SUCCEEDED");
        List<String> abort = bounds.get("andon_abort_to_ack_seconds ABORTED");
        assertTrue(calls != null && abort != null, () -> bounds.keySet() + "\n" + text);
        // milliseconds to hours for calls, 50 microseconds to a minute for abort-to-ack, and +Inf
        assertEquals("0.001", calls.get(0), calls::toString);
        assertTrue(calls.contains("3600.0") && calls.contains("+Inf") && calls.size() <= 20, calls::toString);
        assertEquals("5.0E-5", abort.get(0), abort::toString);
        assertTrue(abort.contains("60.0") && abort.contains("+Inf") && abort.size() <= 20, abort::toString);
        // a handful of histograms (by outcome), not hundreds of lines
        assertTrue(lines <= 20 * bounds.size() && lines < 120, lines + " bucket lines: " + bounds.keySet());
    }
}
