package dev.andon.service;

import static dev.andon.service.TestService.json;
import static dev.andon.service.TestService.texts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.andon.run.ReportJson;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every endpoint and every error answer of the API, against one server with default limits. */
class AndonServiceTest {
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
    void shouldAnswerHealthUp() {
        HttpResponse<String> r = server.get("/health");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        JsonNode body = json(r);
        assertEquals("UP", body.get("status").asText());
        assertEquals(64, body.at("/dispatchers/andon.blocking-dispatcher/poolSize").asInt(), body.toString());
    }

    @Test
    void shouldListTheCatalog() {
        JsonNode body = json(server.get("/jobs"));
        assertEquals(List.of("failing", "quick", "slow"), texts(body.get("jobs"), "name"));
        JsonNode quick = body.get("jobs").get(1);
        assertEquals(List.of("a", "b"), texts(quick.get("calls"), "name"));
        assertEquals("fail-fast", quick.get("failurePolicy").asText());
    }

    @Test
    void shouldRunACatalogJobAndReportItAsTheCliDoes() {
        HttpResponse<String> r = server.post("/jobs/quick/runs", "");
        assertEquals(202, r.statusCode(), r.body());
        String id = json(r).get("id").asText();
        assertEquals("/runs/" + id, json(r).get("location").asText());
        assertEquals("/runs/" + id, r.headers().firstValue("Location").orElseThrow());

        JsonNode report = server.awaitFinished(id, Duration.ofSeconds(10));
        assertEquals("SUCCEEDED", report.get("status").asText());
        assertEquals("quick", report.get("job").asText());
        assertEquals(List.of("SUCCEEDED", "SUCCEEDED"), texts(report.get("calls"), "status"));
        // The same fields, in the same order, as andon run --json (ReportJson of a RunReport).
        List<String> fields = Stream.of(dev.andon.run.RunReport.class.getRecordComponents())
                .map(c -> c.getName()).toList();
        List<String> got = iterable(report.fieldNames());
        assertEquals(fields, got);
    }

    @Test
    void shouldShowLiveCallsWhileRunningThenTheAbortedReport() {
        String id = server.startJob("slow");
        JsonNode live = server.awaitRunning(id, 2);
        assertEquals("RUNNING", live.get("status").asText());
        assertTrue(live.get("calls").get(0).get("thread").asText().startsWith("andon-blocking-"), live.toString());

        HttpResponse<String> abort = server.post("/runs/" + id + "/abort", "");
        assertEquals(202, abort.statusCode(), abort.body());
        JsonNode report = server.awaitFinished(id, Duration.ofSeconds(10));
        assertEquals("ABORTED", report.get("status").asText());
        assertEquals(List.of("ABORTED", "ABORTED"), texts(report.get("calls"), "status"));
        assertEquals(ServiceRoutes.ABORT_REASON, report.get("abortReason").asText());

        HttpResponse<String> again = server.post("/runs/" + id + "/abort", "");
        assertError(again, 409, "run finished");
    }

    @Test
    void shouldListRunsNewestFirst() {
        String first = server.startJob("quick");
        String second = server.startJob("quick");
        server.awaitFinished(first, Duration.ofSeconds(10));
        server.awaitFinished(second, Duration.ofSeconds(10));
        List<String> ids = texts(json(server.get("/runs")).get("runs"), "id");
        assertTrue(ids.indexOf(second) < ids.indexOf(first) && ids.indexOf(second) >= 0, ids.toString());
        assertEquals(1, json(server.get("/runs?limit=1")).get("runs").size());
        assertError(server.get("/runs?limit=zero"), 400, "bad parameter");
    }

    @Test
    void shouldRunAPostedJobAndNameTheFieldOfAnInvalidOne() {
        HttpResponse<String> ok = server.post("/runs", """
                {"name": "posted", "failure-policy": "all-settled",
                 "calls": [{"name": "x", "kind": "sleep", "duration": "10ms"},
                           {"name": "y", "kind": "sleep", "duration": "20ms", "fail": "no"}]}""");
        assertEquals(202, ok.statusCode(), ok.body());
        JsonNode report = server.awaitFinished(json(ok).get("id").asText(), Duration.ofSeconds(10));
        assertEquals("FAILED", report.get("status").asText());
        assertEquals("posted", report.get("job").asText());
        assertEquals("y", report.at("/cause/call").asText());

        HttpResponse<String> bad = server.post("/runs", """
                {"calls": [{"name": "x", "kind": "sleep", "duration": "10ms"},
                           {"name": "y", "kind": "sleep", "duration": "soon"}]}""");
        assertError(bad, 400, "invalid job");
        assertEquals("calls[1].duration", json(bad).at("/problems/0/path").asText(), bad.body());
        assertTrue(json(bad).get("detail").asText().startsWith("calls[1].duration: "), bad.body());
    }

    @Test
    void shouldRefuseMalformedJson() {
        assertError(server.post("/runs", "{\"calls\": [ {\"name\": "), 400, "malformed JSON");
        assertError(server.post("/runs", "calls = []"), 400, "malformed JSON");
    }

    @Test
    void shouldRefuseInlineCommandsByDefault() {
        HttpResponse<String> r = server.post("/runs", """
                {"calls": [{"name": "rm", "kind": "command", "command": ["true"]}]}""");
        assertError(r, 400, "invalid job");
        assertEquals("calls[0].kind", json(r).at("/problems/0/path").asText(), r.body());
    }

    @Test
    void shouldRefuseAPostedJobOnANonBlockingDispatcher() {
        HttpResponse<String> r = server.post("/runs", """
                {"dispatcher": "akka.actor.default-dispatcher", "calls": [{"name": "x", "kind": "sleep", "duration": "1ms"}]}""");
        assertError(r, 400, "invalid job");
        assertEquals("dispatcher", json(r).at("/problems/0/path").asText(), r.body());
    }

    /** On Java 21+ a posted job may run on virtual threads; on 17 it is told why not. */
    @Test
    void shouldRunAPostedJobOnVirtualThreadsOrSayTheyNeedJava21() {
        HttpResponse<String> r = server.post("/runs", """
                {"dispatcher": "andon.virtual-dispatcher", "max-parallelism": 500,
                 "calls": [{"name": "x", "kind": "sleep", "duration": "1ms"}]}""");
        if (!dev.andon.run.VirtualThreads.available()) {
            assertError(r, 400, "invalid job");
            assertEquals(List.of("dispatcher"), texts(json(r).get("problems"), "path"), r.body());
            assertEquals(dev.andon.run.VirtualThreads.unavailableMessage(), json(r).at("/problems/0/message").asText(), r.body());
            return;
        }
        assertEquals(202, r.statusCode(), r.body());
        JsonNode report = server.awaitFinished(json(r).get("id").asText(), Duration.ofSeconds(10));
        assertEquals("SUCCEEDED", report.get("status").asText());
        assertTrue(report.at("/calls/0/thread").asText().startsWith("andon-virtual-"), report.toString());
    }

    @Test
    void shouldAnswerNotFoundAsJson() {
        assertError(server.get("/nothing/here"), 404, "not found");
        assertError(server.get("/runs/r-nope"), 404, "unknown run");
        assertError(server.get("/runs/r-nope/events"), 404, "unknown run");
        assertError(server.post("/runs/r-nope/abort", ""), 404, "unknown run");
        assertError(server.post("/jobs/nope/runs", ""), 404, "unknown job");
    }

    @Test
    void shouldAnswerMethodNotAllowedWithAllow() {
        HttpResponse<String> r = server.send(server.request("/runs").DELETE().build());
        assertError(r, 405, "method not allowed");
        Set<String> allowed = Stream.of(r.headers().firstValue("Allow").orElseThrow().split(","))
                .map(String::trim).collect(Collectors.toSet());
        assertEquals(Set.of("GET", "POST"), allowed);
        assertError(server.send(server.request("/health").POST(HttpRequest.BodyPublishers.noBody()).build()), 405,
                "method not allowed");
    }

    @Test
    void shouldExposePrometheusMetrics() {
        server.awaitFinished(server.startJob("quick"), Duration.ofSeconds(10));
        HttpResponse<String> r = server.get("/metrics");
        assertEquals(200, r.statusCode());
        String text = r.body();
        for (String family : List.of("andon_runs_started_total", "andon_runs_finished_total{status=\"SUCCEEDED\"}",
                "andon_calls_finished_total{status=\"SUCCEEDED\"}", "andon_calls_running", "andon_calls_queued",
                "andon_abandoned_threads{dispatcher=\"andon.blocking-dispatcher\"}", "andon_call_duration_seconds_bucket",
                "andon_abandoned_calls_total", "executor_active_threads{name=\"andon.blocking-dispatcher\"}",
                "jvm_memory_used_bytes", "jvm_threads_live_threads", "jvm_gc_", "system_cpu_count")) {
            assertTrue(text.contains(family), family + " missing from /metrics");
        }
        assertFalse(text.contains("NaN\nexecutor_queued"), "executor gauges should read the pool");
    }

    @Test
    void shouldStreamEventsUntilTheRunEndsAndReplayThemToALateClient() throws Exception {
        HttpResponse<String> r = server.post("/runs", """
                {"calls": [{"name": "x", "kind": "sleep", "duration": "300ms"},
                           {"name": "y", "kind": "sleep", "duration": "500ms"}]}""");
        String id = json(r).get("id").asText();
        List<TestService.Sse> live = server.events(id);
        List<String> types = live.stream().map(TestService.Sse::type).toList();
        assertEquals("run-started", types.get(0), types.toString());
        assertEquals("run-finished", types.get(types.size() - 1), types.toString());
        assertEquals(2, types.stream().filter("call-started"::equals).count(), types.toString());
        assertEquals(2, types.stream().filter("call-finished"::equals).count(), types.toString());
        assertEquals("SUCCEEDED", ReportJson.mapper().readTree(live.get(live.size() - 1).data()).at("/report/status").asText());
        List<String> ids = live.stream().map(TestService.Sse::id).toList();
        assertEquals(List.of("1", "2", "3", "4", "5", "6"), ids);

        // Connected after the end: the whole story, then the stream ends.
        assertEquals(live, server.events(id));
        // Reconnecting with the last id it saw, a client gets only what came after.
        assertEquals(live.subList(4, 6), server.events(id, "4"));
        assertEquals(List.of(), server.events(id, "6"));
        assertEquals(live, server.events(id, "0"));
    }

    @Test
    void shouldResumeALiveStreamAfterTheLastEventIdItSaw() throws Exception {
        // run-started, call-started x2 so far: a client that saw event 2 misses only the third.
        List<TestService.Sse> events = eventsOfAnAbortedRun("2");
        assertEquals(List.of("call-started", "abort-requested", "call-finished", "call-finished", "run-finished"),
                events.stream().map(TestService.Sse::type).toList());
        assertEquals("3", events.get(0).id());
    }

    @Test
    void shouldSendNoLiveEventUpToALastEventIdBeyondTheRunsEvents() throws Exception {
        // At event 3 when the client connects; the run ends at event 7: a client that saw event 6 gets only the 7th.
        List<TestService.Sse> events = eventsOfAnAbortedRun("6");
        assertEquals(List.of("7"), events.stream().map(TestService.Sse::id).toList(), events.toString());
        assertEquals("run-finished", events.get(0).type());
        assertEquals(List.of(), eventsOfAnAbortedRun("500"), "none of the run's events comes after 500");
    }

    /** The events after {@code lastEventId} of a run of two calls that is aborted once both run and a client listens. */
    private static List<TestService.Sse> eventsOfAnAbortedRun(String lastEventId) throws Exception {
        String id = server.startJob("slow");
        server.awaitRunning(id, 2);
        CompletableFuture<List<TestService.Sse>> stream = CompletableFuture.supplyAsync(() -> server.events(id, lastEventId));
        TestService.sleep(300);
        server.post("/runs/" + id + "/abort", "");
        return stream.get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldGiveALateClientTheHistoryThenTheLiveEvents() throws Exception {
        String id = server.startJob("slow");
        server.awaitRunning(id, 2);
        CompletableFuture<List<TestService.Sse>> stream = CompletableFuture.supplyAsync(() -> server.events(id));
        TestService.sleep(300);
        assertFalse(stream.isDone(), "the stream must stay open while the run is live");
        server.post("/runs/" + id + "/abort", "");
        List<String> types = stream.get(10, TimeUnit.SECONDS).stream().map(TestService.Sse::type).toList();
        assertEquals(List.of("run-started", "call-started", "call-started", "abort-requested", "call-finished",
                "call-finished", "run-finished"), types);
    }

    static void assertError(HttpResponse<String> r, int status, String error) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse("(none)"), r.body());
        JsonNode body = json(r);
        assertEquals(error, body.path("error").asText(), r.body());
        assertTrue(body.hasNonNull("detail"), r.body());
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
