package dev.andon.timeline;

import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a run's timeline shows, in milliseconds from the run's start: one {@link Row} per call,
 * the cord, and how long the picture spans. A pure function of a report (live or final) and,
 * for a live one only, the present moment — a final report always gives the same timeline.
 *
 * <p>The rules:
 * <ul>
 *   <li>a call is queued from the run's start until its first attempt starts (until the run's
 *       end, or now, if it never started);</li>
 *   <li>its bar runs from its first start to its end; a retried call's bar is one segment per
 *       attempt, with the backoff between them left open;</li>
 *   <li>a call asked to abort has an abort span, from the abort to its ack (for {@code ABANDONED},
 *       to the moment it was given up on);</li>
 *   <li>an {@code ABANDONED} call has no end: its bar runs open to the picture's right edge;</li>
 *   <li>a running call's bar ends at now, open too.</li>
 * </ul>
 *
 * @param spanMillis how long the picture spans: the run's duration, or now for a live run, and a
 *                   little room on the right for open ends
 */
public record Timeline(String runId, String job, RunStatus status, long endMillis, long spanMillis,
                       Cord cord, List<Row> rows) {

    public Timeline {
        rows = List.copyOf(rows);
    }

    /** The cord: when it was pulled, and why. */
    public record Cord(long atMillis, String reason) {
    }

    /** A stretch of time, from the run's start; {@code open} when it has no end (yet). */
    public record Span(long fromMillis, long toMillis, boolean open) {
        public Span {
            if (toMillis < fromMillis) toMillis = fromMillis;
        }
    }

    /**
     * One call's row.
     *
     * @param queued   from the run's start to the first start (or to the end, never started); null if it started at once
     * @param attempts the bar's segments, one per attempt; empty if it never started
     * @param abort    from the abort request to the ack (or to giving up); null if not asked to abort
     */
    public record Row(String call, CallStatus status, Span queued, List<Span> attempts, Span abort,
                      Long abortToAckMillis, String error, String result) {
        public Row {
            attempts = List.copyOf(attempts);
        }
    }

    // Room on the right of the last moment for an open end to show as open.
    private static final double OPEN_ROOM = 0.12;

    /**
     * The timeline of {@code report}; {@code now} is used only while the run is live (no
     * {@code finishedAt}) and is ignored for a final report.
     */
    public static Timeline of(RunReport report, Instant now) {
        Objects.requireNonNull(report, "report");
        Instant start = report.startedAt() != null ? report.startedAt() : now;
        Instant end = report.finishedAt() != null ? report.finishedAt() : max(now, start);
        long endMillis = millis(start, end);
        boolean open = false;
        List<Row> rows = new ArrayList<>(report.calls().size());
        Long cordAt = report.abortedAt() == null ? null : millis(start, report.abortedAt());
        for (CallReport c : report.calls()) {
            Row row = row(c, start, endMillis, cordAt);
            rows.add(row);
            if (!open) for (Span s : row.attempts()) open |= s.open() && c.status() == CallStatus.ABANDONED;
        }
        long span = Math.max(1, endMillis);
        if (open) span += Math.max(1, Math.round(span * OPEN_ROOM));
        Cord cord = cordAt == null ? null : new Cord(cordAt, report.abortReason());
        return new Timeline(report.id(), report.job(), report.status(), endMillis, span, cord, rows);
    }

    private static Row row(CallReport c, Instant runStart, long endMillis, Long cordAt) {
        CallStatus status = c.status();
        Long first = c.startedAt() == null ? null : millis(runStart, c.startedAt());
        Long last = c.finishedAt() == null ? null : millis(runStart, c.finishedAt());
        // A call that ended without starting (cancelled, or aborted in the queue) waited until it ended.
        Span queued = first == null ? new Span(0, last != null ? last : endMillis, !status.isFinal())
                : first > 0 ? new Span(0, first, false) : null;
        List<Span> attempts = new ArrayList<>();
        boolean openEnd = last == null; // running now, or abandoned
        if (first != null) {
            if (c.attemptTimes().isEmpty()) {
                attempts.add(new Span(first, last != null ? last : endMillis, openEnd));
            } else {
                for (CallReport.Attempt a : c.attemptTimes()) {
                    if (a.startedAt() == null) continue;
                    long from = millis(runStart, a.startedAt());
                    boolean o = a.finishedAt() == null;
                    long to = o ? (last != null ? last : endMillis) : millis(runStart, a.finishedAt());
                    attempts.add(new Span(from, to, o && openEnd));
                }
            }
        }
        Span abort = null;
        if (c.abortToAckMillis() != null) {
            if (last != null) {
                abort = new Span(Math.max(0, last - c.abortToAckMillis()), last, false);
            } else if (cordAt != null) {
                // Abandoned: the ack never came; the span ends where it was given up on.
                abort = new Span(cordAt, cordAt + c.abortToAckMillis(), false);
            }
        }
        return new Row(c.name(), status, queued, attempts, abort, c.abortToAckMillis(), c.error(), c.result());
    }

    private static long millis(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toMillis());
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
