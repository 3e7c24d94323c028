package dev.andon.service;

import static dev.andon.service.TestService.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.run.ReportJson;
import dev.andon.run.RunReport;
import dev.andon.timeline.TimelineSvg;
import dev.andon.timeline.SvgChecks;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** What the web console reads: the timeline as SVG, output tails, the service-wide events. */
class ConsoleApiTest {
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
    void shouldDrawALiveRunsTimelineThenTheSameAsItsFinalReport() throws Exception {
        String id = server.startJob("slow");
        server.awaitRunning(id, 2);
        HttpResponse<String> live = server.get("/runs/" + id + "/timeline.svg");
        assertEquals(200, live.statusCode(), live.body());
        assertEquals("image/svg+xml", live.headers().firstValue("Content-Type").orElseThrow());
        Document liveDoc = SvgChecks.parse(live.body());
        assertEquals(2, SvgChecks.callCount(liveDoc));
        assertTrue(live.body().contains(">RUNNING</text>"), live.body());

        assertEquals(202, server.post("/runs/" + id + "/abort", "").statusCode());
        server.awaitFinished(id, Duration.ofSeconds(20));
        HttpResponse<String> done = server.get("/runs/" + id + "/timeline.svg");
        RunReport report = ReportJson.mapper().readValue(server.get("/runs/" + id).body(), RunReport.class);
        SvgChecks.checkSvg(SvgChecks.parse(done.body()), report);
        assertTrue(done.body().contains(">ABORTED</text>"), done.body());
        assertTrue(done.body().contains("cord pulled at"), done.body());
        // The same picture from the live run's final state and from its report as stored (JSON read back).
        assertEquals(TimelineSvg.render(report, Instant.now()), done.body());
        assertEquals(done.body(), server.get("/runs/" + id + "/timeline.svg").body());
    }

    @Test
    void shouldDrawEachAttemptOfARetriedCallAsASegment() throws Exception {
        HttpResponse<String> posted = server.post("/runs", """
                {"calls": [{"name": "flaky", "kind": "sleep", "duration": "20ms", "fail": "again",
                            "retry": {"attempts": 3, "backoff": "50ms"}}]}""");
        assertEquals(202, posted.statusCode(), posted.body());
        String id = json(posted).get("id").asText();
        server.awaitFinished(id, Duration.ofSeconds(20));
        RunReport report = ReportJson.mapper().readValue(server.get("/runs/" + id).body(), RunReport.class);
        var attempts = report.call("flaky").attemptTimes();
        assertEquals(3, attempts.size(), report.toString());
        for (int i = 1; i < 3; i++)
            assertTrue(!attempts.get(i).startedAt().isBefore(attempts.get(i - 1).finishedAt().plusMillis(50)),
                    "attempt " + (i + 1) + " starts after the backoff: " + attempts);
        Document doc = SvgChecks.parse(server.get("/runs/" + id + "/timeline.svg").body());
        assertEquals(3, SvgChecks.callGroup(doc, "flaky").getElementsByTagName("g").item(0).getChildNodes().getLength() - 1,
                "three segments after the bar's title");
    }

    @Test
    void shouldAnswerAnUnknownRunsTimelineWithNotFound() {
        HttpResponse<String> r = server.get("/runs/r-nope/timeline.svg");
        assertEquals(404, r.statusCode());
        assertEquals("unknown run", json(r).get("error").asText());
    }
}
