package dev.andon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.ReportJson;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The call log's text: every report reads back equal, in its short form or as JSON; starts never override outcomes. */
class CallLogTest {
    private static final ObjectMapper MAPPER = ReportJson.mapper().copy()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final CallLog log = new CallLog(MAPPER.writerFor(CallReport.class), MAPPER.readerFor(CallReport.class));
    private static final Instant T = Instant.parse("2026-12-02T06:00:00.123456789Z");

    private record Case(String what, CallReport report, char form) {
    }

    @Test
    void shouldReadEveryOutcomeBackAsItWasWritten() {
        List<Case> cases = List.of(
                new Case("a plain success", CallReport.builder("c1", CallStatus.SUCCEEDED).attempts(1).ran(T, T.plusNanos(1500))
                        .durationMillis(0L).thread("andon-blocking-3").build(), 'F'),
                new Case("never started", CallReport.builder("q", CallStatus.CANCELLED).build(), 'F'),
                new Case("before the epoch", CallReport.builder("old", CallStatus.SUCCEEDED).attempts(1)
                        .ran(Instant.parse("1969-12-31T23:59:59.5Z"), T).build(), 'F'),
                new Case("an error", CallReport.builder("e", CallStatus.FAILED).attempts(1).ran(T, T).error("boom\tand\nmore")
                        .thread("t").build(), 'J'),
                new Case("a result", CallReport.builder("r", CallStatus.SUCCEEDED).attempts(1).ran(T, T).result("42").build(), 'J'),
                new Case("details", CallReport.builder("d", CallStatus.FAILED).attempts(1).details(Map.of("exitCode", 3)).build(), 'J'),
                new Case("several attempts", CallReport.builder("a", CallStatus.SUCCEEDED).attempts(2)
                        .attemptTimes(List.of(new CallReport.Attempt(T, T.plusMillis(1)), new CallReport.Attempt(T.plusMillis(2), T.plusMillis(3))))
                        .build(), 'J'),
                new Case("an abort's ack", CallReport.builder("k", CallStatus.ABORTED).attempts(1).ran(T, T).abortToAckMillis(4L).build(), 'J'),
                new Case("a tab in the name", CallReport.builder("a\tb", CallStatus.SUCCEEDED).attempts(1).build(), 'J'),
                new Case("a line break in the thread", CallReport.builder("n", CallStatus.SUCCEEDED).thread("x\ny").build(), 'J'),
                new Case("an empty thread name", CallReport.builder("m", CallStatus.SUCCEEDED).thread("").build(), 'J'),
                new Case("spaces and unicode in the name", CallReport.builder("nächste Stufe ✓", CallStatus.LOST).attempts(1).ran(T, null)
                        .build(), 'F'));
        for (Case c : cases) {
            StringBuilder text = new StringBuilder();
            log.finished(text, c.report());
            assertEquals(c.form(), text.charAt(0), c.what() + ": " + text);
            Map<String, RunStore.CallRow> rows = new LinkedHashMap<>();
            log.read(text.toString(), rows);
            RunStore.CallRow row = rows.get(c.report().name());
            assertEquals(c.report(), row.report(), c.what());
            assertEquals(c.report().status(), row.status(), c.what());
            assertEquals(c.report().startedAt(), row.startedAt(), c.what());
        }
    }

    @Test
    void shouldKeepTheOutcomeOverAStartInEitherOrderAndTheLaterOutcome() {
        CallReport failed = CallReport.builder("c", CallStatus.FAILED).attempts(1).build();
        CallReport lost = CallReport.builder("c", CallStatus.LOST).attempts(1).build();
        StringBuilder text = new StringBuilder();
        log.started(text, "s", T);
        log.started(text, "odd\nname", T);
        log.finished(text, failed);
        log.started(text, "c", T);
        Map<String, RunStore.CallRow> rows = new LinkedHashMap<>();
        log.read(text.toString(), rows);
        assertEquals(new RunStore.CallRow("s", CallStatus.RUNNING, T, null), rows.get("s"));
        assertEquals(new RunStore.CallRow("odd\nname", CallStatus.RUNNING, T, null), rows.get("odd\nname"));
        // The outcome has no start of its own: the recorded one is kept.
        assertEquals(new RunStore.CallRow("c", CallStatus.FAILED, null, failed), rows.get("c"));
        StringBuilder later = new StringBuilder();
        log.finished(later, lost);
        log.read(later.toString(), rows);
        assertEquals(CallStatus.LOST, rows.get("c").status());
    }

    @Test
    void shouldWriteCallNamesOneALineUnlessOneCouldNotBeReadBack() throws Exception {
        for (List<String> names : List.of(List.of("a"), List.of("a", "b c", ""), List.of("", "x"), List.of("[x]", "y"),
                List.of("a", "b\nc"), List.<String>of())) {
            String text = CallLog.names(names);
            List<String> back = CallLog.isJsonNames(text) ? MAPPER.readValue(text, List.class) : CallLog.names(text);
            assertEquals(names, back, text);
        }
        assertTrue(CallLog.isJsonNames(CallLog.names(List.of("a", "b\nc"))));
        assertEquals("a\nb", CallLog.names(List.of("a", "b")));
    }
}
