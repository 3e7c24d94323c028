package dev.andon.timeline;

import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import java.time.Instant;
import java.util.Locale;

/**
 * Draws a {@link Timeline} as a standalone SVG document: its own styles, no script, no external
 * reference, readable when attached to a ticket or a CI report. The same report gives the same
 * bytes.
 *
 * <p>Every row has the call's name, a text label of its status (colour is never the only sign:
 * WCAG 1.4.1) and one {@code <g class="bar">} holding its attempts' segments, coloured from the
 * Okabe-Ito palette; the queued time is a dashed outline before the bar, an abort span a band
 * under it, an open end a dashed line to the right edge. The cord is a vertical line with its
 * reason. Each bar has a {@code <title>} with its facts, shown as a tooltip by browsers.
 */
public final class TimelineSvg {
    private TimelineSvg() {
    }

    static final int WIDTH = 960;
    static final int NAME_X = 12;
    static final int LABEL_X = 160;
    static final int CHART_X = 262;
    static final int CHART_RIGHT = WIDTH - 196; // the rest is room for the notes after the bars
    static final int HEADER = 78;
    static final int ROW = 24;
    static final int BAR = 12;
    static final int FOOTER = 30;

    /** The Okabe-Ito colour of each status; ABORTING and RUNNING are live-only. */
    static String colour(CallStatus s) {
        return switch (s) {
            case SUCCEEDED -> "#009E73"; // bluish green
            case FAILED -> "#D55E00";    // vermillion
            case TIMED_OUT -> "#CC79A7"; // reddish purple
            case ABORTED -> "#E69F00";   // orange
            case ABANDONED -> "#0072B2"; // blue
            case RUNNING -> "#56B4E9";   // sky blue
            case ABORTING -> "#F0E442";  // yellow
            case QUEUED, CANCELLED -> "#999999";
            case LOST -> "#000000";      // black: found at recovery, its end unknown
        };
    }

    private static final String STYLE = """
            svg{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:12px}
            .bg{fill:#ffffff}
            text{fill:#1a1a1a}
            .title{font-size:15px;font-weight:600}
            .sub,.axis text,.note{fill:#555555;font-size:11px}
            .grid{stroke:#e4e4e4;stroke-width:1}
            .zebra{fill:#f6f6f6}
            .label{font-weight:600;font-size:11px}
            .queued{fill:none;stroke:#8a8a8a;stroke-dasharray:3 3}
            .seg{stroke:#1a1a1a;stroke-width:.6}
            .abort{fill:#1a1a1a}
            .openend{stroke:#0072B2;stroke-width:2;stroke-dasharray:4 3}
            .cord{stroke:#D55E00;stroke-width:2}
            .cordtext{fill:#A04000;font-weight:600}
            """;

    /** The SVG of {@code report}'s timeline; {@code now} matters only for a live report. */
    public static String render(RunReport report, Instant now) {
        return render(Timeline.of(report, now));
    }

    public static String render(Timeline t) {
        int height = HEADER + t.rows().size() * ROW + FOOTER;
        StringBuilder out = new StringBuilder(4096 + t.rows().size() * 420);
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" role=\"img\" aria-labelledby=\"tl-title\">\n");
        out.append("<title id=\"tl-title\">").append(esc("run " + t.runId() + " of " + t.job() + ": " + t.status()))
                .append("</title>\n<style>").append(STYLE);
        for (CallStatus s : CallStatus.values())
            out.append(".s-").append(s.name()).append("{fill:").append(colour(s)).append("}");
        out.append("</style>\n");
        out.append("<rect class=\"bg\" x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\"/>\n");
        out.append("<text class=\"title\" x=\"").append(NAME_X).append("\" y=\"22\">").append(esc(t.job()))
                .append(" \u2014 ").append(t.status()).append("</text>\n");
        out.append("<text class=\"sub\" x=\"").append(NAME_X).append("\" y=\"40\">run ").append(esc(t.runId()))
                .append(", ").append(t.rows().size()).append(t.rows().size() == 1 ? " call, " : " calls, ")
                .append(t.status().isFinal() ? "" : "live, ").append(duration(t.endMillis())).append("</text>\n");
        axis(out, t, height);
        for (int i = 0; i < t.rows().size(); i++) row(out, t, i);
        cord(out, t, height);
        out.append("</svg>\n");
        return out.toString();
    }

    private static void axis(StringBuilder out, Timeline t, int height) {
        long step = tickStep(t.spanMillis());
        out.append("<g class=\"axis\">");
        for (long ms = 0; ms <= t.spanMillis(); ms += step) {
            String x = x(t, ms);
            out.append("<line class=\"grid\" x1=\"").append(x).append("\" x2=\"").append(x).append("\" y1=\"")
                    .append(HEADER - 8).append("\" y2=\"").append(height - FOOTER + 4).append("\"/>");
            out.append("<text x=\"").append(x).append("\" y=\"").append(HEADER - 12)
                    .append("\" text-anchor=\"middle\">").append(duration(ms)).append("</text>");
        }
        out.append("</g>\n");
    }

    private static void row(StringBuilder out, Timeline t, int i) {
        Timeline.Row r = t.rows().get(i);
        int top = HEADER + i * ROW;
        int barY = top + (ROW - BAR) / 2 - 2;
        int textY = top + ROW / 2 + 2;
        out.append("<g class=\"call\" data-call=\"").append(esc(r.call())).append("\" data-status=\"")
                .append(r.status()).append("\">");
        if (i % 2 == 1) out.append("<rect class=\"zebra\" x=\"0\" y=\"").append(top).append("\" width=\"")
                .append(WIDTH).append("\" height=\"").append(ROW).append("\"/>");
        out.append("<text class=\"name\" x=\"").append(NAME_X).append("\" y=\"").append(textY).append("\">")
                .append(esc(clip(r.call(), 22))).append("</text>");
        out.append("<text class=\"label\" x=\"").append(LABEL_X).append("\" y=\"").append(textY).append("\">")
                .append(r.status()).append("</text>");
        if (r.queued() != null) {
            out.append("<rect class=\"queued\" x=\"").append(x(t, r.queued().fromMillis())).append("\" y=\"")
                    .append(barY + 2).append("\" width=\"").append(w(t, r.queued())).append("\" height=\"")
                    .append(BAR - 4).append("\"><title>queued ").append(duration(len(r.queued()))).append("</title></rect>");
        }
        out.append("<g class=\"bar s-").append(r.status()).append("\"><title>").append(esc(facts(r))).append("</title>");
        long end = -1;
        for (int a = 0; a < r.attempts().size(); a++) {
            Timeline.Span s = r.attempts().get(a);
            out.append("<rect class=\"seg\" data-attempt=\"").append(a + 1).append("\" x=\"").append(x(t, s.fromMillis()))
                    .append("\" y=\"").append(barY).append("\" width=\"").append(w(t, s)).append("\" height=\"")
                    .append(BAR).append("\"/>");
            end = Math.max(end, s.toMillis());
        }
        out.append("</g>");
        boolean open = !r.attempts().isEmpty() && r.attempts().get(r.attempts().size() - 1).open();
        if (open && r.status() == CallStatus.ABANDONED) {
            out.append("<line class=\"openend\" x1=\"").append(x(t, end)).append("\" x2=\"").append(CHART_RIGHT)
                    .append("\" y1=\"").append(barY + BAR / 2).append("\" y2=\"").append(barY + BAR / 2)
                    .append("\"><title>never stopped: its thread was given up on</title></line>");
        }
        if (r.abort() != null) {
            out.append("<rect class=\"abort\" x=\"").append(x(t, r.abort().fromMillis())).append("\" y=\"")
                    .append(barY + BAR + 1).append("\" width=\"").append(fmt(Math.max(3, Double.parseDouble(w(t, r.abort())))))
                    .append("\" height=\"3\">")
                    .append("<title>abort to ").append(r.status() == CallStatus.ABANDONED ? "giving up" : "ack").append(": ")
                    .append(duration(r.abortToAckMillis())).append("</title></rect>");
        }
        String note = note(r);
        if (!note.isEmpty()) {
            long after = Math.max(end, r.abort() != null ? r.abort().toMillis() : -1);
            if (after < 0 && r.queued() != null) after = r.queued().toMillis();
            // After the bar (a sliver of 0 ms is drawn 1.5 px wide) or, for an open end, after the edge.
            double nx = open && r.status() == CallStatus.ABANDONED ? CHART_RIGHT
                    : Double.parseDouble(x(t, Math.max(after, 0))) + 3;
            out.append("<text class=\"note\" x=\"").append(fmt(Math.min(nx + 6, CHART_RIGHT + 6))).append("\" y=\"")
                    .append(textY).append("\">").append(esc(note)).append("</text>");
        }
        out.append("</g>\n");
    }

    private static void cord(StringBuilder out, Timeline t, int height) {
        if (t.cord() == null) return;
        String x = x(t, t.cord().atMillis());
        out.append("<g class=\"cordmark\"><line class=\"cord\" x1=\"").append(x).append("\" x2=\"").append(x)
                .append("\" y1=\"").append(HEADER - 4).append("\" y2=\"").append(height - FOOTER + 4).append("\"/>");
        out.append("<text class=\"cordtext\" x=\"").append(x).append("\" y=\"").append(HEADER - 26)
                .append("\" text-anchor=\"middle\">cord</text>");
        double cx = Double.parseDouble(x);
        boolean left = cx > CHART_RIGHT - 200;
        out.append("<text class=\"cordtext\" x=\"").append(fmt(left ? cx - 6 : cx + 6)).append("\" y=\"")
                .append(height - FOOTER + 20).append("\"").append(left ? " text-anchor=\"end\"" : "")
                .append(">cord pulled at ").append(duration(t.cord().atMillis())).append(": ")
                .append(esc(clip(t.cord().reason() == null ? "" : t.cord().reason(), 90))).append("</text></g>\n");
    }

    /** The short text after a bar: what a reader wants at a glance. */
    static String note(Timeline.Row r) {
        String attempts = r.attempts().size() > 1 ? r.attempts().size() + " attempts, " : "";
        return switch (r.status()) {
            case ABORTED, TIMED_OUT -> attempts + (r.abortToAckMillis() == null ? "" : "ack " + duration(r.abortToAckMillis()));
            case ABANDONED -> attempts + "no ack" + (r.abortToAckMillis() == null ? "" : ", given up after "
                    + duration(r.abortToAckMillis()));
            case FAILED -> attempts + clip(shortError(r.error()), 30);
            case SUCCEEDED -> attempts.isEmpty() ? "" : attempts.substring(0, attempts.length() - 2);
            default -> "";
        };
    }

    // "java.lang.IllegalStateException: don't like 2" -> "don't like 2": the message says it.
    static String shortError(String error) {
        if (error == null) return "";
        int colon = error.indexOf(": ");
        String head = colon < 0 ? error : error.substring(0, colon);
        return colon > 0 && head.indexOf(' ') < 0 && head.contains(".") ? error.substring(colon + 2) : error;
    }

    private static String facts(Timeline.Row r) {
        StringBuilder s = new StringBuilder(r.call()).append(": ").append(r.status());
        if (!r.attempts().isEmpty()) {
            Timeline.Span first = r.attempts().get(0);
            Timeline.Span last = r.attempts().get(r.attempts().size() - 1);
            s.append(", from ").append(duration(first.fromMillis())).append(last.open() ? " (no end)" : " to " + duration(last.toMillis()));
        }
        if (r.attempts().size() > 1) s.append(", ").append(r.attempts().size()).append(" attempts");
        if (r.abortToAckMillis() != null) s.append(", abort to ack ").append(duration(r.abortToAckMillis()));
        if (r.error() != null) s.append("\n").append(clip(r.error(), 300));
        if (r.result() != null) s.append("\n").append(clip(r.result(), 300));
        return s.toString();
    }

    static long tickStep(long span) {
        long[] steps = {1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000,
                120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000};
        for (long s : steps) if (span / s <= 10) return s;
        long s = 86_400_000;
        while (span / s > 10) s *= 2;
        return s;
    }

    /** {@code 0 ms}, {@code 850 ms}, {@code 2.5 s}, {@code 3 min 20 s}, {@code 2 h 5 min}. */
    static String duration(long ms) {
        if (ms < 1000) return ms + " ms";
        if (ms < 60_000) {
            String s = String.format(Locale.ROOT, "%.2f", ms / 1000.0).replaceAll("\\.?0+$", "");
            return s + " s";
        }
        if (ms < 3_600_000) return (ms / 60_000) + " min" + (ms % 60_000 >= 1000 ? " " + (ms % 60_000) / 1000 + " s" : "");
        return (ms / 3_600_000) + " h" + (ms % 3_600_000 >= 60_000 ? " " + (ms % 3_600_000) / 60_000 + " min" : "");
    }

    private static long len(Timeline.Span s) {
        return s.toMillis() - s.fromMillis();
    }

    private static String x(Timeline t, long ms) {
        return fmt(CHART_X + (double) (CHART_RIGHT - CHART_X) * ms / t.spanMillis());
    }

    private static String w(Timeline t, Timeline.Span s) {
        // At least a sliver, so that a call of 0 ms still shows.
        return fmt(Math.max(1.5, (double) (CHART_RIGHT - CHART_X) * len(s) / t.spanMillis()));
    }

    private static String fmt(double v) {
        long r = Math.round(v * 10);
        return r % 10 == 0 ? Long.toString(r / 10) : (r / 10) + "." + Math.abs(r % 10);
    }

    private static String clip(String s, int max) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= max ? one : one.substring(0, max - 1) + "\u2026";
    }

    /** Text for XML: markup escaped, and the characters XML 1.0 cannot hold dropped. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    if (c >= 0x20 || c == '\n' || c == '\t') {
                        if (Character.isSurrogate(c)) {
                            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                                b.append(c).append(s.charAt(++i));
                            }
                        } else if (c != 0xFFFE && c != 0xFFFF) {
                            b.append(c);
                        }
                    }
                }
            }
        }
        return b.toString();
    }
}
