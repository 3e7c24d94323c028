package dev.andon.cli;

import dev.andon.call.Excerpt;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;

/** A run's report as the text {@code andon run} prints on stdout at the end. */
final class ResultsTable {
    // The widest a RESULT / ERROR cell gets.
    private static final int OUTCOME_MAX = 200;

    private ResultsTable() {
    }

    static String render(RunReport report) {
        StringBuilder out = new StringBuilder();
        out.append("run ").append(report.id()).append("  job ").append(report.job()).append("  ")
                .append(report.status()).append(" in ").append(RunDisplay.millis(report.durationMillis())).append('\n');
        if (report.cause() != null) {
            out.append("cause: ").append(report.cause().call() != null ? report.cause().call() + ": " : "")
                    .append(report.cause().error()).append('\n');
        } else if (report.abortReason() != null) {
            out.append("aborted: ").append(report.abortReason()).append('\n');
        }
        Table table = new Table("CALL", "STATUS", "ATTEMPTS", "DURATION", "ABORT-TO-ACK", "RESULT / ERROR");
        for (CallReport c : report.calls()) {
            table.row(c.name(), c.status(), c.attempts(), RunDisplay.millis(c.durationMillis()),
                    RunDisplay.ackTime(c), outcome(c));
        }
        out.append('\n').append(table.render());
        for (CallReport c : report.calls()) {
            if (c.status() != CallStatus.ABANDONED || c.stackTrace() == null) continue;
            out.append('\n').append(c.name()).append(" was abandoned; its thread ").append(c.thread()).append(" was at:\n");
            c.stackTrace().stream().limit(12).forEach(frame -> out.append("    at ").append(frame).append('\n'));
        }
        return out.toString();
    }

    // One line, whatever a result or an error holds; the whole of it is in --json.
    private static String outcome(CallReport c) {
        if (c.status() == CallStatus.ABANDONED) return "still running on " + c.thread();
        String text = c.error() != null ? c.error() : c.result() != null ? c.result() : c.progress();
        return text == null ? null : Excerpt.of(text, OUTCOME_MAX);
    }
}
