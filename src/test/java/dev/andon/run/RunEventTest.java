package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Each kind of run event has a name of its own, and says whether it ends its run. */
class RunEventTest {
    private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");
    private static final RunReport REPORT = new RunReport("r", "job", RunStatus.SUCCEEDED, null, null, AT, AT, 0L, List.of());

    private static List<RunEvent> oneOfEachKind() {
        return List.of(
                new RunEvent.RunStarted("r", AT, "job", 1),
                new RunEvent.CallStarted("r", AT, "c", 1, "t"),
                new RunEvent.CallProgressed("r", AT, "c", "half"),
                new RunEvent.CallHeartbeat("r", AT, "c"),
                new RunEvent.CallOutput("r", AT, "c", "stdout", "line"),
                new RunEvent.CallOutputSkipped("r", AT, "c", 3),
                new RunEvent.AbortRequested("r", AT, "why"),
                new RunEvent.CallFinished("r", AT, CallReport.notStarted("c", CallStatus.CANCELLED), false),
                new RunEvent.RunFinished("r", AT, REPORT),
                new RunEvent.RunRejected("r", AT, "shutting down"));
    }

    @Test
    void shouldCoverEveryKindOfEvent() {
        assertEquals(RunEvent.class.getPermittedSubclasses().length,
                oneOfEachKind().stream().map(Object::getClass).distinct().count());
    }

    @Test
    void shouldNameEachKindOfEventItsOwnWay() {
        Map<String, Boolean> endsRunByType = oneOfEachKind().stream()
                .collect(Collectors.toMap(RunEvent::type, RunEvent::endsRun, (a, b) -> a, java.util.LinkedHashMap::new));
        assertEquals(Map.of("run-started", false, "call-started", false, "call-progressed", false,
                "call-heartbeat", false, "call-output", false, "call-output-skipped", false,
                "abort-requested", false, "call-finished", false, "run-finished", true, "run-rejected", true), endsRunByType);
    }
}
