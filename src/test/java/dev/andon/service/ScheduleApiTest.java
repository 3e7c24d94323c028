package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Schedules fired by the service on the real clock ({@code every = 1s} and {@code 2s}), through
 * its HTTP API: {@code GET /schedules}, pause, resume and trigger, the events and the metrics, and
 * {@code replace} against a real run that outlives its interval.
 */
class ScheduleApiTest {
    private static TestService server;

    @BeforeAll
    static void start() {
        server = TestService.start("""
                andon.jobs {
                  tick { schedule { every = 1s }, calls = [ { name = a, kind = sleep, duration = 10ms } ] }
                  replaced {
                    schedule { every = 2s, overlap = replace }
                    abort-grace = 5s
                    calls = [ { name = long, kind = sleep, duration = 60s } ]
                  }
                  manual {
                    schedule { cron = "0 0 1 1 *", overlap = skip }
                    calls = [ { name = long, kind = sleep, duration = 60s } ]
                  }
                }
                """);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode schedule(String job) {
        for (JsonNode s : TestService.json(server.get("/schedules")).get("schedules"))
            if (s.get("job").asText().equals(job)) return s;
        throw new AssertionError("no schedule " + job);
    }

    private static JsonNode awaitSchedule(String job, Predicate<JsonNode> condition, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        JsonNode s = schedule(job);
        while (!condition.test(s)) {
            if (System.nanoTime() > deadline) throw new AssertionError("schedule " + job + " still " + s);
            TestService.sleep(50);
            s = schedule(job);
        }
        return s;
    }

    @Test
    void shouldFireAnIntervalScheduleOnTheRealClockAndShowIt() {
        JsonNode s = awaitSchedule("tick", j -> j.path("counts").path("fired").asLong() >= 2
                && j.path("lastRunStatus").asText().equals("SUCCEEDED"), Duration.ofSeconds(30));
        assertEquals("1s", s.path("spec").path("every").asText());
        assertEquals("skip", s.path("spec").path("overlap").asText());
        assertFalse(s.path("paused").asBoolean());
        List<Instant> next = new java.util.ArrayList<>();
        s.path("nextFireAt").forEach(n -> next.add(Instant.parse(n.asText())));
        assertEquals(3, next.size());
        for (Instant at : next) assertEquals(0, at.toEpochMilli() % 1000, "fires on whole seconds: " + next);
        Instant last = Instant.parse(s.path("lastFireAt").asText());
        assertEquals(0, last.toEpochMilli() % 1000);
        JsonNode run = server.awaitFinished(s.path("lastRunId").asText(), Duration.ofSeconds(30));
        assertEquals("tick", run.path("job").asText());
        String metrics = server.get("/metrics").body();
        assertTrue(metrics.contains("andon_schedule_fires_total{job=\"tick\",outcome=\"fired\"}"), metrics);
        assertTrue(metrics.contains("andon_schedule_lag_seconds_count"), metrics);
    }

    @Test
    void shouldAbortTheLiveRunWithItsReasonAndStartTheNextOnlyOnceItHasEndedUnderReplace() {
        JsonNode first = awaitSchedule("replaced", j -> j.path("liveRuns").size() == 1, Duration.ofSeconds(30));
        String firstRun = first.path("liveRuns").get(0).asText();
        JsonNode aborted = server.awaitFinished(firstRun, Duration.ofSeconds(30));
        assertEquals("ABORTED", aborted.path("status").asText());
        assertEquals("replaced by schedule", aborted.path("abortReason").asText());
        JsonNode next = awaitSchedule("replaced", j -> j.path("liveRuns").size() == 1
                && !j.path("liveRuns").get(0).asText().equals(firstRun), Duration.ofSeconds(30));
        String secondRun = next.path("liveRuns").get(0).asText();
        // The new run started after the old one's report: never two at once.
        JsonNode second = TestService.json(server.get("/runs/" + secondRun));
        Instant secondStarted = Instant.parse(second.path("startedAt").asText(second.path("submittedAt").asText()));
        assertFalse(secondStarted.isBefore(Instant.parse(aborted.path("finishedAt").asText())),
                "second " + second + " first " + aborted);
        assertEquals(200, server.post("/schedules/replaced/pause", "").statusCode());
        server.post("/runs/" + secondRun + "/abort", "");
    }

    @Test
    void shouldPauseResumeAndTriggerThroughTheApi() throws Exception {
        assertEquals(404, server.post("/schedules/nope/pause", "").statusCode());
        assertEquals(404, server.post("/schedules/quick/trigger", "").statusCode()); // a job without a schedule
        HttpResponse<String> paused = server.post("/schedules/manual/pause", "");
        assertEquals(200, paused.statusCode(), paused.body());
        assertTrue(schedule("manual").path("paused").asBoolean());
        assertEquals(409, server.post("/schedules/manual/pause", "").statusCode());
        try (ServiceEvents events = ServiceEvents.open(server, null)) {
            HttpResponse<String> fired = server.post("/schedules/manual/trigger", "");
            assertEquals(202, fired.statusCode(), fired.body());
            String runId = TestService.json(fired).path("id").asText();
            events.awaitUntil(e -> e.type().equals("schedule-fired") && e.data().contains(runId)
                    && e.data().contains("\"manual\":true"), Duration.ofSeconds(30));
            // Its run is live: a second trigger is skipped (overlap skip), and says so.
            HttpResponse<String> skipped = server.post("/schedules/manual/trigger", "");
            assertEquals(409, skipped.statusCode(), skipped.body());
            events.awaitUntil(e -> e.type().equals("schedule-skipped") && e.data().contains("\"job\":\"manual\""),
                    Duration.ofSeconds(30));
            server.post("/runs/" + runId + "/abort", "");
            server.awaitFinished(runId, Duration.ofSeconds(30));
        }
        assertEquals(200, server.post("/schedules/manual/resume", "").statusCode());
        assertFalse(schedule("manual").path("paused").asBoolean());
        assertEquals(409, server.post("/schedules/manual/resume", "").statusCode());
    }
}
