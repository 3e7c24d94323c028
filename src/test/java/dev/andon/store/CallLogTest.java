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
    void shouldReadEveryOutcomeBackFromOneTextOfShortLines() {
        Instant far = T.plusSeconds(200L * 366 * 24 * 3600); // two centuries on: beyond a base's reach
        List<Case> cases = List.of(
                new Case("a plain success", CallReport.builder("c1", CallStatus.SUCCEEDED).attempts(1).ran(T, T.plusNanos(1500))
                        .durationMillis(0L).thread("andon-blocking-3").build(), 'f'),
                new Case("the same thread again", CallReport.builder("c2", CallStatus.SUCCEEDED).attempts(1)
                        .ran(T.minusMillis(7), T.plusMillis(5)).durationMillis(12L).thread("andon-blocking-3").build(), 'f'),
                new Case("another thread", CallReport.builder("c3", CallStatus.FAILED).attempts(3).ran(T.plusSeconds(9), T.plusSeconds(10))
                        .durationMillis(1000L).thread("andon-blocking-12").build(), 'f'),
                new Case("a duration its times do not give", CallReport.builder("d1", CallStatus.SUCCEEDED).attempts(1)
                        .ran(T, T.plusMillis(3)).durationMillis(40L).build(), 'f'),
                new Case("no duration though it has both times", CallReport.builder("d2", CallStatus.SUCCEEDED).attempts(1)
                        .ran(T, T.plusMillis(3)).build(), 'f'),
                new Case("a duration and no end", CallReport.builder("d3", CallStatus.LOST).attempts(1).ran(T, null)
                        .durationMillis(5L).build(), 'f'),
                new Case("an end and no start", CallReport.builder("e1", CallStatus.ABORTED).attempts(0).ran(null, T.plusMillis(2))
                        .build(), 'f'),
                new Case("never started", CallReport.builder("q", CallStatus.CANCELLED).build(), 'f'),
                new Case("far from the base", CallReport.builder("far", CallStatus.SUCCEEDED).attempts(1).ran(far, far.plusMillis(1))
                        .durationMillis(1L).thread("andon-blocking-3").build(), 'F'),
                new Case("a tab in the thread", CallReport.builder("t1", CallStatus.SUCCEEDED).attempts(1).ran(T, T).thread("a\tb")
                        .build(), 'J'),
                new Case("an error", CallReport.builder("x", CallStatus.FAILED).attempts(1).ran(T, T).error("boom").build(), 'J'),
                new Case("unicode in the name", CallReport.builder("nächste Stufe ✓", CallStatus.SUCCEEDED).attempts(1)
                        .ran(T, T.plusNanos(1)).durationMillis(0L).build(), 'f'));
        CallLog.Text text = log.text();
        for (Case c : cases) text.finished(c.report());
        String written = text.toString();
        Map<String, String> lineOf = new LinkedHashMap<>();
        for (String line : written.split("\n")) {
            String name = line.charAt(0) == 'J' ? null : line.substring(line.lastIndexOf('\t') + 1);
            if (name != null) lineOf.put(name, line);
        }
        Map<String, RunStore.CallRow> rows = new LinkedHashMap<>();
        log.read(written, rows);
        for (Case c : cases) {
            RunStore.CallRow row = rows.get(c.report().name());
            assertEquals(c.report(), row.report(), c.what() + "\n" + written);
            assertEquals(c.report().startedAt(), row.startedAt(), c.what());
            if (c.form() == 'J') assertTrue(!lineOf.containsKey(c.report().name()), c.what() + " written as JSON");
            else assertEquals(c.form(), lineOf.get(c.report().name()).charAt(0), c.what() + ": " + lineOf.get(c.report().name()));
        }
        // One base, one line per thread, however many calls name it; a plain outcome in about 40 bytes.
        assertEquals(1, written.lines().filter(l -> l.startsWith("B\t")).count(), written);
        assertEquals(List.of("T\tandon-blocking-3", "T\tandon-blocking-12"),
                written.lines().filter(l -> l.startsWith("T\t")).toList(), written);
        assertTrue(lineOf.get("c3").length() <= 40, lineOf.get("c3"));
    }

    @Test
    void shouldKeepTheOutcomeOverAStartInOneTextOfShortLines() {
        CallReport ok = CallReport.builder("c", CallStatus.SUCCEEDED).attempts(1).ran(T.plusMillis(1), T.plusMillis(2))
                .durationMillis(1L).thread("w").build();
        CallLog.Text text = log.text();
        text.started("s", T.minusNanos(5)); // before the base it is not: the base is the first time written
        text.started("c", T.plusMillis(1));
        text.started("odd\nname", T);
        text.finished(ok);
        text.started("c", T.plusMillis(1)); // a start read after its outcome does not undo it
        text.started("late", T.minusSeconds(60));
        Map<String, RunStore.CallRow> rows = new LinkedHashMap<>();
        log.read(text.toString(), rows);
        assertEquals(new RunStore.CallRow("s", CallStatus.RUNNING, T.minusNanos(5), null), rows.get("s"));
        assertEquals(new RunStore.CallRow("odd\nname", CallStatus.RUNNING, T, null), rows.get("odd\nname"));
        assertEquals(new RunStore.CallRow("c", CallStatus.SUCCEEDED, T.plusMillis(1), ok), rows.get("c"));
        assertEquals(new RunStore.CallRow("late", CallStatus.RUNNING, T.minusSeconds(60), null), rows.get("late"));
        assertTrue(text.toString().startsWith("B\t"), text.toString());
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
