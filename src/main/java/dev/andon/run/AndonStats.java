package dev.andon.run;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters about abandoned calls, one instance per actor system (an Akka extension). They are
 * plain atomics, so an abandoned thread may update them after the actor system is gone.
 */
public final class AndonStats implements Extension {
    public static final ExtensionId<AndonStats> ID = new ExtensionId<>() {
        @Override
        public AndonStats createExtension(ActorSystem<?> system) {
            return new AndonStats();
        }
    };

    private final AtomicLong abandonedTotal = new AtomicLong();
    private final AtomicLong lateCompletions = new AtomicLong();
    private final Map<String, AtomicInteger> abandonedRunning = new ConcurrentHashMap<>();
    private final AtomicLong internalErrors = new AtomicLong();
    private volatile String lastInternalError;

    /** Told of every process group a call starts (see {@code WorkContext.processStarted}). */
    @FunctionalInterface
    public interface ProcessListener {
        ProcessListener NONE = (runId, call, pid, killGrace) -> { };

        /** Called on the call's thread: must be quick, must not block, must not throw. */
        void processStarted(String runId, String call, long pid, java.time.Duration killGrace);
    }

    private volatile ProcessListener processListener = ProcessListener.NONE;

    public static AndonStats get(ActorSystem<?> system) {
        return system.registerExtension(ID);
    }

    void abandoned(String dispatcher) {
        abandonedTotal.incrementAndGet();
        abandonedRunning.computeIfAbsent(dispatcher, d -> new AtomicInteger()).incrementAndGet();
    }

    void lateCompletion(String dispatcher) {
        lateCompletions.incrementAndGet();
        abandonedRunning.computeIfAbsent(dispatcher, d -> new AtomicInteger()).decrementAndGet();
    }

    /** Sets who is told of the process groups calls start (the run store). */
    public void processListener(ProcessListener listener) {
        this.processListener = java.util.Objects.requireNonNull(listener, "listener");
    }

    void processStarted(String runId, String call, long pid, java.time.Duration killGrace) {
        processListener.processStarted(runId, call, pid, killGrace);
    }

    /**
     * Andon itself failed in run {@code runId} (a bug): counted, and the last one kept for
     * {@code GET /health}, which says DEGRADED from then on (the engine's state is in doubt until
     * a restart).
     */
    public void internalError(String runId, String error) {
        internalErrors.incrementAndGet();
        lastInternalError = "internal error in run " + runId + ": " + error;
    }

    /** How many internal errors Andon has had. */
    public long internalErrors() {
        return internalErrors.get();
    }

    /** The last internal error, or null if there was none. */
    public String lastInternalError() {
        return lastInternalError;
    }

    /** Calls ever given up on. */
    public long abandonedTotal() {
        return abandonedTotal.get();
    }

    /** Abandoned calls that have since finished on their threads. */
    public long lateCompletions() {
        return lateCompletions.get();
    }

    /** Threads of {@code dispatcher} still held by abandoned calls. */
    public int abandonedRunning(String dispatcher) {
        AtomicInteger n = abandonedRunning.get(dispatcher);
        return n == null ? 0 : n.get();
    }

    /** Threads of every dispatcher still held by abandoned calls. */
    public int abandonedRunning() {
        return abandonedRunning.values().stream().mapToInt(AtomicInteger::get).sum();
    }
}
