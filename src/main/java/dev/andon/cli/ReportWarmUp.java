package dev.andon.cli;

import dev.andon.run.CallReport;
import dev.andon.run.CallSpec;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.ReportJson;
import dev.andon.run.RunEvent;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Prints, into the void and on a daemon thread while the run runs, a report shaped like the one
 * {@code andon run} will print at its end: one call per call of the job, every status, the details
 * a command call has (Integer, String, Boolean values). In a fresh JVM the first report costs
 * 20-40 ms of class loading and interpreted Jackson or table code, and a serializer for each value
 * type first met; a sample of one small call leaves most of that between the run's end and the exit. A few rounds also get the hot methods
 * compiled before they are needed.
 */
final class ReportWarmUp {
    private static final int ROUNDS = 3;

    private ReportWarmUp() {
    }

    /** Starts the warm-up for what {@code andon run} prints: JSON if {@code json}, else the table. */
    static void inBackground(JobSpec job, boolean json) {
        Thread t = new Thread(() -> {
            RunReport sample = sample(job);
            for (int i = 0; i < ROUNDS; i++) {
                if (json) ReportJson.toJson(sample);
                else ResultsTable.render(sample);
                for (CallReport c : sample.calls()) {
                    RunDisplay.describe(new RunEvent.CallFinished(sample.id(), sample.finishedAt(), c, true));
                }
                RunDisplay.describe(new RunEvent.RunFinished(sample.id(), sample.finishedAt(), sample));
            }
        }, "andon-report-warm-up");
        t.setDaemon(true);
        t.start();
    }

    static RunReport sample(JobSpec job) {
        Instant now = Instant.now();
        CallStatus[] statuses = CallStatus.values();
        List<CallReport> calls = new ArrayList<>();
        int i = 0;
        for (CallSpec c : job.calls()) {
            CallStatus status = statuses[i++ % statuses.length];
            Map<String, Object> details = Map.of("exitCode", 143, "signal", "SIGTERM", "stdoutTail", "out\n",
                    "stderrTail", "err\n", "killed", Boolean.FALSE, "leftBehindStopped", 1);
            calls.add(new CallReport(c.name(), status, 1, now, now, 1L, status == CallStatus.SUCCEEDED ? "exit 0" : null,
                    status == CallStatus.SUCCEEDED ? null : "dev.andon.call.AbortedException: aborted: warm-up",
                    2L, "andon-blocking-1", "running, pid 1",
                    status == CallStatus.ABANDONED ? List.of("java.lang.Thread.sleep(Native Method)") : null, details));
        }
        return new RunReport("r-warm-up", job.name(), RunStatus.FAILED, new RunReport.Cause(job.calls().get(0).name(),
                "dev.andon.call.CommandFailedException: exit 3"), "warm-up", now, now, 1L, calls);
    }
}
