package dev.andon.campaign;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** What one call recorded happening on its own thread: the ground truth its report is checked against. */
final class Journal {
    final AtomicInteger started = new AtomicInteger();
    final AtomicInteger ended = new AtomicInteger();
    final AtomicInteger hookRuns = new AtomicInteger();
    final Set<String> hookThreads = ConcurrentHashMap.newKeySet();
    final Set<String> callThreads = ConcurrentHashMap.newKeySet();
    volatile boolean lastReturned;
    volatile boolean lastSawAbortWhenItThrew;

    @Override
    public String toString() {
        return "Journal[started=" + started + ", ended=" + ended + ", returned=" + lastReturned + ", sawAbort="
                + lastSawAbortWhenItThrew + ", hooks=" + hookRuns + "]";
    }
}
