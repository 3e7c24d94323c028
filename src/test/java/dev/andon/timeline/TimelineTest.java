package dev.andon.timeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.ReportJson;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The timeline's rules, row by row, and its SVG as a reader (or an XML parser) sees it. */
class TimelineTest {
    static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");

    static Instant at(long ms) {
        return T0.plusMillis(ms);
    }

    static CallReport call(String name, CallStatus status, Long start, Long end, Long abortToAck, String error,
                           List<CallReport.Attempt> attempts) {
        return new CallReport(name, status, Math.max(1, attempts.size()), start == null ? null : at(start),
                end == null ? null : at(end), start == null || end == null ? null : end - start, null, error,
                abortToAck, start == null ? null : "andon-blocking-1", null, null, Map.of(), attempts);
    }

    /** The seed's demo, plus a retried call, an abandoned one and a cancelled one. */
    static RunReport demo() {
        List<CallReport> calls = List.of(
                call("c0", CallStatus.SUCCEEDED, 2L, 3L, null, null, List.of()),
                call("c1", CallStatus.SUCCEEDED, 2L, 1003L, null, null, List.of()),
                call("c2", CallStatus.FAILED, 2L, 2004L, null, "java.lang.IllegalStateException: don't like 2", List.of()),
                call("c3", CallStatus.ABORTED, 3L, 2007L, 3L, "dev.andon.call.AbortedException: c2 failed", List.of()),
                call("retried", CallStatus.ABORTED, 3L, 2006L, 2L, null, List.of(
                        new CallReport.Attempt(at(3), at(500)), new CallReport.Attempt(at(700), at(2006)))),
                call("deaf", CallStatus.ABANDONED, 4L, null, 1000L, null, List.of()),
                call("later", CallStatus.CANCELLED, null, null, null, null, List.of()));
        return new RunReport("r-1", "demo", RunStatus.FAILED, new RunReport.Cause("c2", "don't like 2"), "c2 failed",
                T0, at(3010), 3010L, calls, at(2004));
    }

    @Test
    void shouldDrawEachRuleOfTheTimeline() {
        Timeline t = Timeline.of(demo(), at(999_999));
        assertEquals(3010, t.endMillis());
        assertTrue(t.spanMillis() > 3010, "room for the abandoned call's open end");
        assertEquals(new Timeline.Cord(2004, "c2 failed"), t.cord());
        // call          queued                     attempts                                       abort span
        row(t, "c0", new Timeline.Span(0, 2, false), List.of(new Timeline.Span(2, 3, false)), null);
        row(t, "c2", new Timeline.Span(0, 2, false), List.of(new Timeline.Span(2, 2004, false)), null);
        row(t, "c3", new Timeline.Span(0, 3, false), List.of(new Timeline.Span(3, 2007, false)), new Timeline.Span(2004, 2007, false));
        row(t, "retried", new Timeline.Span(0, 3, false),
                List.of(new Timeline.Span(3, 500, false), new Timeline.Span(700, 2006, false)), new Timeline.Span(2004, 2006, false));
        row(t, "deaf", new Timeline.Span(0, 4, false), List.of(new Timeline.Span(4, 3010, true)), new Timeline.Span(2004, 3004, false));
        row(t, "later", new Timeline.Span(0, 3010, false), List.of(), null);
    }

    @Test
    void shouldDrawALiveRunUpToNow() {
        RunReport live = new RunReport("r-2", "slow", RunStatus.RUNNING, null, null, T0, null, null, List.of(
                CallReport.live("s1", CallStatus.RUNNING, 1, at(5), "andon-blocking-1", null),
                CallReport.live("s2", CallStatus.QUEUED, 0, null, null, null)), null);
        Timeline t = Timeline.of(live, at(1500));
        assertEquals(1500, t.endMillis());
        assertNull(t.cord());
        row(t, "s1", new Timeline.Span(0, 5, false), List.of(new Timeline.Span(5, 1500, true)), null);
        row(t, "s2", new Timeline.Span(0, 1500, true), List.of(), null);
    }

    private static void row(Timeline t, String call, Timeline.Span queued, List<Timeline.Span> attempts, Timeline.Span abort) {
        Timeline.Row r = t.rows().stream().filter(x -> x.call().equals(call)).findFirst().orElseThrow();
        assertEquals(queued, r.queued(), call + " queued");
        assertEquals(attempts, r.attempts(), call + " attempts");
        assertEquals(abort, r.abort(), call + " abort span");
    }

    @Test
    void shouldMakeAStandaloneSvgWithOneBarAndOneLabelPerCall() throws Exception {
        RunReport report = demo();
        Document doc = SvgChecks.parse(TimelineSvg.render(report, Instant.now()));
        SvgChecks.checkSvg(doc, report);
        // Retries are segments of the one bar.
        Element retried = SvgChecks.callGroup(doc, "retried");
        assertEquals(2, ((Element) retried.getElementsByTagName("g").item(0)).getElementsByTagName("rect").getLength());
        assertEquals(1, SvgChecks.countClass(SvgChecks.callGroup(doc, "deaf"), "line", "openend"), "the abandoned call's open end");
        assertEquals(1, SvgChecks.countClass(SvgChecks.callGroup(doc, "c3"), "rect", "abort"), "c3's abort-to-ack span");
        assertTrue(SvgChecks.text(doc).contains("cord pulled at 2 s: c2 failed"), SvgChecks.text(doc));
        // Nothing the document fetches or runs.
        assertEquals(0, doc.getElementsByTagName("script").getLength());
        assertTrue(!TimelineSvg.render(report, Instant.now()).contains("href"));
    }

    @Test
    void shouldDrawTheSameForTheReportAndItsJsonReadBack() throws Exception {
        RunReport report = demo();
        RunReport back = ReportJson.mapper().readValue(ReportJson.toJson(report), RunReport.class);
        assertEquals(report, back);
        assertEquals(TimelineSvg.render(report, Instant.now()), TimelineSvg.render(back, Instant.now().plusSeconds(60)));
    }

    @Test
    void shouldEscapeWhatAReportSays() throws Exception {
        RunReport report = new RunReport("r-3", "x", RunStatus.FAILED, null, "<script>&\"'\u0001", T0, at(10), 10L,
                List.of(call("a", CallStatus.FAILED, 0L, 10L, null, "</text><bad attr=\"1\">\u0000", List.of())), at(5));
        Document doc = SvgChecks.parse(TimelineSvg.render(report, Instant.now()));
        assertEquals(0, doc.getElementsByTagName("script").getLength());
        assertEquals(0, doc.getElementsByTagName("bad").getLength());
        assertTrue(SvgChecks.text(doc).contains("<script>&\"'"));
    }

    @Test
    void shouldSayDurationsAsAPersonWould() {
        assertEquals("0 ms", TimelineSvg.duration(0));
        assertEquals("850 ms", TimelineSvg.duration(850));
        assertEquals("2 s", TimelineSvg.duration(2000));
        assertEquals("2.5 s", TimelineSvg.duration(2500));
        assertEquals("3 min 20 s", TimelineSvg.duration(200_000));
        assertEquals("2 h 5 min", TimelineSvg.duration(7_500_000));
        assertEquals(500, TimelineSvg.tickStep(4000));
        assertEquals(1, TimelineSvg.tickStep(3));
    }

}
