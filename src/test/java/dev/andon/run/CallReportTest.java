package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A call report built field by field is the one the canonical constructor makes. */
class CallReportTest {

    @Test
    void shouldPutEveryFieldOfTheBuilderInItsPlace() {
        Instant t1 = Instant.parse("2026-01-01T00:00:01Z");
        Instant t2 = Instant.parse("2026-01-01T00:00:02Z");
        Instant t3 = Instant.parse("2026-01-01T00:00:03Z");
        List<CallReport.Attempt> times = List.of(new CallReport.Attempt(t1, t2), new CallReport.Attempt(t2, null));
        CallReport expected = new CallReport("c", CallStatus.ABANDONED, 2, t1, t2, 1000L, "result", "error", 7L,
                "andon-blocking-3", "progress", List.of("at x"), Map.of("exitCode", 1), times, t3);
        CallReport built = CallReport.builder("c", CallStatus.ABANDONED).attempts(2).ran(t1, t2).durationMillis(1000L)
                .result("result").error("error").abortToAckMillis(7L).thread("andon-blocking-3").progress("progress")
                .stackTrace(List.of("at x")).details(Map.of("exitCode", 1)).attemptTimes(times).lastHeartbeatAt(t3)
                .build();
        assertEquals(expected, built);
        assertEquals(new CallReport("q", CallStatus.CANCELLED, 0, null, null, null, null, null, null, null, null, null,
                null), CallReport.builder("q", CallStatus.CANCELLED).build());
    }
}
