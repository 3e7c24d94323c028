package dev.andon.service;

import static dev.andon.service.TestService.json;
import static dev.andon.service.TestService.jsonText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.run.ReportJson;
import dev.andon.run.RunReport;
import dev.andon.timeline.TimelineSvg;
import dev.andon.timeline.SvgChecks;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** What the web console reads: the timeline as SVG, output tails, the service-wide events. */
class ConsoleApiTest {
    private static TestService server;

    @BeforeAll
    static void start() {
        server = TestService.start("""
                andon.events.max-output-lines-per-second = 50
                andon.jobs {
                  talk { abort-grace = 5s, calls = [ { name = t, kind = command,
                    shell = "for i in 1 2 3 4 5; do echo line $i; done; echo oops >&2; exec sleep 60" } ] }
                  flood { calls = [ { name = f, kind = command, shell = "seq 1 100000; sleep 1.5" } ] }
                }
                """);
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
    void shouldDrawTheSameTimelineFromTheStoreAfterARestart() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("andon-timeline-store");
        String store = "andon.store { kind = sqlite, path = \"" + dir.resolve("andon.db") + "\" }";
        var settings = dev.andon.store.StoreSettings.from(com.typesafe.config.ConfigFactory.parseString(store)
                .withFallback(com.typesafe.config.ConfigFactory.defaultReference()).resolve());
        String id;
        String live;
        try (TestService first = TestService.start(store, dev.andon.store.RunStores.open(settings))) {
            id = first.startJob("failing");
            first.awaitFinished(id, Duration.ofSeconds(20));
            live = first.get("/runs/" + id + "/timeline.svg").body();
        }
        // A new service on the same file: the run is no longer in memory, only in the store.
        try (TestService second = TestService.start(store, dev.andon.store.RunStores.open(settings))) {
            HttpResponse<String> stored = second.get("/runs/" + id + "/timeline.svg");
            assertEquals(200, stored.statusCode(), stored.body());
            assertEquals(live, stored.body(), "the live run's final picture and the stored report's");
            assertTrue(live.contains("cord pulled at"), live);
        }
    }

    @Test
    void shouldEndTheStreamOfARunFollowedLiveThenAskedOfTheStoreAfterARestart() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("andon-events-store");
        String store = "andon.store { kind = sqlite, path = \"" + dir.resolve("andon.db") + "\" }\n"
                + "andon.jobs.lines.calls = [ { name = t, kind = command, shell = \"seq 1 30\" } ]";
        var settings = dev.andon.store.StoreSettings.from(com.typesafe.config.ConfigFactory.parseString(store)
                .withFallback(com.typesafe.config.ConfigFactory.defaultReference()).resolve());
        String id;
        List<TestService.Sse> live;
        try (TestService first = TestService.start(store, dev.andon.store.RunStores.open(settings))) {
            id = first.startJob("lines");
            first.awaitFinished(id, Duration.ofSeconds(20));
            live = first.events(id);
        }
        TestService.Sse last = live.get(live.size() - 1);
        assertEquals("run-finished", last.type());
        try (TestService second = TestService.start(store, dev.andon.store.RunStores.open(settings))) {
            List<TestService.Sse> stored = second.events(id);
            assertEquals("run-finished", stored.get(stored.size() - 1).type());
            // Its output lines were live events, not stored ones: the store's replay has fewer.
            assertTrue(stored.size() < Integer.parseInt(last.id()), stored.size() + " stored, " + last.id() + " live");
            // A page that followed it live comes back after the restart: the run's end, numbered after what it saw.
            String seen = Integer.toString(Integer.parseInt(last.id()) - 1);
            List<TestService.Sse> back = second.events(id, seen);
            assertEquals(List.of("run-finished"), back.stream().map(TestService.Sse::type).toList(), back.toString());
            assertEquals(last.id(), back.get(0).id());
            assertEquals(jsonText(last.data()).get("report"), jsonText(back.get(0).data()).get("report"));
            // And one that has seen a stored stream in part gets its rest.
            List<TestService.Sse> rest = second.events(id, "2");
            assertEquals(stored.subList(2, stored.size()), rest);
        }
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
    void shouldStreamAndKeepARunningCommandsOutputThenItsReportsTails() throws Exception {
        String id = server.startJob("talk");
        String expected = "line 1\nline 2\nline 3\nline 4\nline 5\n--- stderr ---\noops\n";
        String live = awaitBody("/runs/" + id + "/calls/t/output", expected, Duration.ofSeconds(20));
        assertEquals(expected, live);
        HttpResponse<String> r = server.get("/runs/" + id + "/calls/t/output?stream=stderr");
        assertEquals("text/plain; charset=UTF-8", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("oops\n", r.body());
        // A client that connects while the call runs gets its output so far, then the rest.
        CompletableFuture<List<TestService.Sse>> stream = CompletableFuture.supplyAsync(() -> server.events(id));
        awaitMetric("andon_sse_clients 1.0", Duration.ofSeconds(20));
        assertEquals(202, server.post("/runs/" + id + "/abort", "").statusCode());
        server.awaitFinished(id, Duration.ofSeconds(20));
        assertEquals(expected, server.get("/runs/" + id + "/calls/t/output").body(), "the report's tails");

        List<TestService.Sse> events = stream.get(20, TimeUnit.SECONDS);
        List<String> lines = events.stream().filter(e -> e.type().equals("call-output"))
                .map(e -> jsonText(e.data()).get("stream").asText() + ":" + jsonText(e.data()).get("line").asText()).toList();
        assertEquals(List.of("stderr:oops", "stdout:line 1", "stdout:line 2", "stdout:line 3", "stdout:line 4",
                "stdout:line 5"), lines.stream().sorted().toList());
        List<String> types = events.stream().map(TestService.Sse::type).toList();
        assertTrue(types.indexOf("call-started") < types.indexOf("call-output"), types.toString());
        assertTrue(types.lastIndexOf("call-output") < types.indexOf("call-finished"), types.toString());
    }

    @Test
    void shouldBoundAFloodOfOutputAndCountWhatItSkipped() {
        String id = server.startJob("flood");
        Instant started = Instant.now();
        List<TestService.Sse> events = server.events(id);
        long seconds = Duration.between(started, Instant.now()).toSeconds() + 1;
        long told = events.stream().filter(e -> e.type().equals("call-output")).count();
        long skipped = events.stream().filter(e -> e.type().equals("call-output-skipped"))
                .mapToLong(e -> jsonText(e.data()).get("lines").asLong()).sum();
        assertTrue(told >= 50 && told <= 50 * (seconds + 1), told + " lines told in " + seconds + " s");
        assertEquals(100_000, told + skipped, "every line either told or counted");
        // The pipe was read in full, whatever the events let through.
        String tail = jsonText(server.get("/runs/" + id).body()).get("calls").get(0).get("details").get("stdoutTail").asText();
        assertTrue(tail.endsWith("99999\n100000\n"), tail.substring(Math.max(0, tail.length() - 40)));
    }

    @Test
    void shouldAnswerAnUnknownCallsOutputWithNotFound() {
        String id = server.startJob("quick");
        assertEquals(404, server.get("/runs/" + id + "/calls/nope/output").statusCode());
        assertEquals(404, server.get("/runs/r-nope/calls/a/output").statusCode());
        assertEquals(400, server.get("/runs/" + id + "/calls/a/output?stream=both").statusCode());
    }

    @Test
    void shouldStreamServiceWideEventsAndResumeAfterTheLastOneSeen() throws Exception {
        ServiceEvents events = ServiceEvents.open(server, null);
        String id = server.startJob("quick");
        List<TestService.Sse> seen = events.awaitUntil(e -> e.type().equals("run-finished") && e.data().contains(id),
                Duration.ofSeconds(20));
        events.close();
        List<TestService.Sse> mine = seen.stream().filter(e -> e.data().contains("\"" + id + "\"")).toList();
        assertEquals(List.of("run-submitted", "run-started", "run-finished"), mine.stream().map(TestService.Sse::type).toList());
        assertEquals("SUCCEEDED", jsonText(mine.get(2).data()).get("status").asText());
        assertEquals("quick", jsonText(mine.get(0).data()).get("job").asText());
        assertEquals("run-finished", jsonText(mine.get(2).data()).get("type").asText());

        // Reconnecting after the submission gets the rest, and nothing before it.
        ServiceEvents again = ServiceEvents.open(server, mine.get(0).id());
        List<TestService.Sse> rest = again.awaitUntil(e -> e.id().equals(mine.get(2).id()), Duration.ofSeconds(20));
        again.close();
        assertTrue(rest.stream().noneMatch(e -> Long.parseLong(e.id()) <= Long.parseLong(mine.get(0).id())), rest.toString());
        assertEquals(List.of("run-started", "run-finished"), rest.stream().filter(e -> e.data().contains(id))
                .map(TestService.Sse::type).toList());
    }

    private static void awaitMetric(String line, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (!server.get("/metrics").body().contains(line)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no " + line + " in /metrics");
            TestService.sleep(10);
        }
    }

    private static String awaitBody(String path, String expected, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        String body;
        do {
            body = server.get(path).body();
            if (body.equals(expected)) return body;
            TestService.sleep(20);
        } while (System.nanoTime() < deadline);
        return body;
    }

    @Test
    void shouldAnswerAnUnknownRunsTimelineWithNotFound() {
        HttpResponse<String> r = server.get("/runs/r-nope/timeline.svg");
        assertEquals(404, r.statusCode());
        assertEquals("unknown run", json(r).get("error").asText());
    }
}
