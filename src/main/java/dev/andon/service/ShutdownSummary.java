package dev.andon.service;

import dev.andon.run.CallStatus;
import java.util.Map;

/**
 * What became of the runs that were live when the service began to shut down.
 *
 * @param runs       how many were live
 * @param aborted    how many of them ended {@code ABORTED}
 * @param calls      their calls, by outcome
 * @param unreported how many had not reported by the end of the shutdown's requests-done phase
 */
public record ShutdownSummary(int runs, int aborted, Map<CallStatus, Integer> calls, int unreported) {

    /** The number of calls of those runs. */
    public int callCount() {
        return calls.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** How many of those calls were abandoned (still running on their threads). */
    public int abandoned() {
        return calls.getOrDefault(CallStatus.ABANDONED, 0);
    }

    /** One line: {@code 2 runs live at shutdown, 2 aborted; 5 calls {ABORTED=3, CANCELLED=2}; 0 abandoned}. */
    @Override
    public String toString() {
        return runs + (runs == 1 ? " run" : " runs") + " live at shutdown, " + aborted + " aborted; "
                + callCount() + " calls " + calls + "; " + abandoned() + " abandoned"
                + (unreported > 0 ? "; " + unreported + " not reported" : "");
    }
}
