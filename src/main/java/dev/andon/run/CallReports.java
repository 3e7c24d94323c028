package dev.andon.run;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A finished run's calls, in job order, as its report lists them: the supervisor's outcomes, and
 * for the calls its cord cancelled ({@code cancelledFrom} onwards) a report made when it is read.
 * Cancelling a queue of 100,000 calls then costs the supervisor nothing per call; a reader pays
 * for what it reads. Immutable, so {@link RunReport} keeps it without copying.
 */
final class CallReports extends AbstractList<CallReport> implements RandomAccess {
    private final CallReport[] outcomes;
    private final int cancelledFrom;
    private final CallStatus cancelled;
    private final List<CallSpec> calls;

    /**
     * @param outcomes      every call's report below {@code cancelledFrom} (not copied: the caller
     *                      never changes it again); entries from {@code cancelledFrom} on may be null
     * @param cancelledFrom the first call the cord cancelled, or {@code outcomes.length} if none
     * @param cancelled     their status ({@code CANCELLED}, or {@code ABORTED} for a timeout's cord)
     */
    CallReports(CallReport[] outcomes, int cancelledFrom, CallStatus cancelled, List<CallSpec> calls) {
        this.outcomes = outcomes;
        this.cancelledFrom = cancelledFrom;
        this.cancelled = cancelled;
        this.calls = calls;
    }

    @Override
    public CallReport get(int index) {
        CallReport r = outcomes[index];
        return r != null || index < cancelledFrom ? r : CallReport.notStarted(calls.get(index).name(), cancelled);
    }

    @Override
    public int size() {
        return outcomes.length;
    }
}
