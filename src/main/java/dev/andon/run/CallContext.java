package dev.andon.run;

import com.typesafe.config.Config;
import dev.andon.call.AbortedException;
import dev.andon.call.BlockingCall;
import dev.andon.call.WorkContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of one call: the {@link WorkContext} its code sees, and the state machine that
 * decides, exactly once, who owns the attempt's ending.
 *
 * <h2>States</h2>
 * <pre>
 *   PENDING --thread begins--> RUNNING --thread ends--> COMPLETED   (the worker is told)
 *      |                          |
 *      +--abort before start--> CANCELLED                          (the thread never runs the call)
 *                                 +--grace expired--> ABANDONED    (the thread, when it ends, tells no one)
 * </pre>
 * Every transition is a compare-and-set, so a call that finishes exactly as its grace expires is
 * either COMPLETED (its real outcome is reported) or ABANDONED (its late completion is logged at
 * INFO and counted), never both and never neither. This is what makes the seed's bug — a thread
 * "phoning home" into a closed event loop — impossible: an abandoned attempt's thread never sends
 * a message, so there is nothing to reject, dead-letter or throw, whether or not the actor system
 * still exists.
 *
 * <h2>Threading</h2>
 * {@link #run()} runs on a blocking-dispatcher thread. {@link #cancelIfPending}, {@link #requestAbort}
 * and {@link #abandon} are called by the worker actor. The methods of {@link WorkContext} may be
 * called from any thread. The call's thread is interrupted only under {@code this}'s lock while it
 * is still inside the call, so an interrupt never leaks into the pool's next task.
 */
final class CallContext implements WorkContext, Runnable {
    private static final Logger log = LoggerFactory.getLogger(CallContext.class);
    private static final int MAX_RESULT_CHARS = 1000;

    enum State { PENDING, RUNNING, COMPLETED, CANCELLED, ABANDONED }

    /** Where the attempt's thread reports to: the worker (it never blocks and never throws). */
    interface Sink {
        void started(CallContext ctx);

        void progressed(CallContext ctx);

        void finished(CallContext ctx, String result, Throwable error, boolean abortSeen);

        void hooksDone(CallContext ctx);
    }

    private final String runId;
    private final int index;
    private final String callName;
    private final int attempt;
    private final Config config;
    private final BlockingCall<?> call;
    private final Executor hookExecutor;
    private final Sink sink;
    private final AndonStats stats;
    private final String dispatcher;
    private final RunSignal runSignal;

    private final AtomicReference<State> state = new AtomicReference<>(State.PENDING);
    private final AtomicBoolean progressInFlight = new AtomicBoolean();
    private final Map<String, Object> details = new ConcurrentHashMap<>();
    private volatile String abortReason;
    private volatile String progress;
    private volatile Instant startedAt;
    private volatile String threadName;
    // Guarded by this:
    private List<Runnable> hooks = new ArrayList<>(2); // null once the abort has taken them
    private Thread thread;

    CallContext(String runId, int index, String callName, int attempt, Config config, BlockingCall<?> call,
                Executor hookExecutor, Sink sink, AndonStats stats, String dispatcher, RunSignal runSignal) {
        this.runId = runId;
        this.index = index;
        this.callName = callName;
        this.attempt = attempt;
        this.config = config;
        this.call = call;
        this.hookExecutor = hookExecutor;
        this.sink = sink;
        this.stats = stats;
        this.dispatcher = dispatcher;
        this.runSignal = runSignal;
    }

    // ---- the attempt, on its blocking thread ----

    @Override
    public void run() {
        Thread current = Thread.currentThread();
        // Written before the state turns RUNNING, so that whoever sees RUNNING (an abandonment)
        // sees which thread and since when.
        threadName = current.getName();
        startedAt = Instant.now();
        synchronized (this) {
            if (!state.compareAndSet(State.PENDING, State.RUNNING)) return; // cancelled while queued
            thread = current;
        }
        sink.started(this);
        String result = null;
        Throwable error = null;
        try {
            Object value = call.call(this);
            result = shortString(value);
        } catch (Throwable t) {
            error = t;
        }
        // Read before leaving the call: whether an abort had been requested when it threw.
        boolean abortSeen = abortRequested();
        synchronized (this) {
            thread = null;
        }
        Thread.interrupted(); // an interrupt meant for this call must not reach the pool's next task
        if (state.compareAndSet(State.RUNNING, State.COMPLETED)) {
            sink.finished(this, result, error, abortSeen);
        } else {
            stats.lateCompletion(dispatcher);
            log.info("abandoned call {} of run {} finished late on {}: {}", callName, runId, threadName,
                    error == null ? "returned " + result : error.toString());
        }
    }

    private static String shortString(Object value) {
        if (value == null) return null;
        String s;
        try {
            s = String.valueOf(value);
        } catch (RuntimeException e) {
            s = "<toString() threw " + e + ">";
        }
        return s.length() <= MAX_RESULT_CHARS ? s : s.substring(0, MAX_RESULT_CHARS) + "...";
    }

    // ---- the worker's side ----

    /** {@code true} once the attempt's thread has left the call (or the attempt will never run). */
    boolean isOver() {
        State s = state.get();
        return s == State.COMPLETED || s == State.CANCELLED;
    }

    /** Cancels the attempt if its thread has not begun it; {@code true} if it never will. */
    boolean cancelIfPending() {
        return state.compareAndSet(State.PENDING, State.CANCELLED);
    }

    /**
     * Sets the abort signal, then, on the hook executor, runs the hooks (each once), interrupts
     * the thread if {@code interrupt}, and tells the sink {@code hooksDone}. Without hooks the
     * interrupt is sent right here (it never blocks) and there is nothing to wait for.
     *
     * @return {@code true} if hooks are running and {@code hooksDone} will follow
     */
    boolean requestAbort(String reason, boolean interrupt) {
        List<Runnable> taken;
        synchronized (this) {
            if (abortReason != null) return false;
            abortReason = Objects.requireNonNull(reason);
            taken = hooks;
            hooks = null;
        }
        if (taken.isEmpty()) {
            if (interrupt) interruptIfRunning();
            return false;
        }
        Runnable task = () -> {
            for (Runnable hook : taken) runHook(hook);
            if (interrupt) interruptIfRunning();
            sink.hooksDone(this);
        };
        try {
            hookExecutor.execute(task);
        } catch (RejectedExecutionException e) {
            // Only when the system is already going away: do it here rather than not at all.
            task.run();
        }
        return true;
    }

    private synchronized void interruptIfRunning() {
        if (thread != null && state.get() == State.RUNNING) thread.interrupt();
    }

    private void runHook(Runnable hook) {
        try {
            hook.run();
        } catch (Throwable t) {
            log.warn("abort hook of call {} of run {} threw; carrying on with the abort", callName, runId, t);
        }
    }

    /** Gives up on a running attempt; {@code false} if it has just completed (its report is coming). */
    boolean abandon() {
        if (!state.compareAndSet(State.RUNNING, State.ABANDONED)) return false;
        stats.abandoned(dispatcher);
        return true;
    }

    /** What the attempt's thread is doing now, as stack trace lines (empty if it left the call). */
    List<String> stackTrace() {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) return List.of();
        return Arrays.stream(t.getStackTrace()).map(StackTraceElement::toString).toList();
    }

    /** Clears the progress flag and returns the latest progress message. */
    String takeProgress() {
        progressInFlight.set(false);
        return progress;
    }

    int attemptNumber() {
        return attempt;
    }

    /** The call's index in its job. */
    int index() {
        return index;
    }

    Instant startedAt() {
        return startedAt;
    }

    String threadName() {
        return threadName;
    }

    String lastProgress() {
        return progress;
    }

    Map<String, Object> details() {
        return Map.copyOf(details);
    }

    // ---- WorkContext, for the call ----

    @Override
    public boolean abortRequested() {
        return abortReason != null || runSignal.reason() != null;
    }

    @Override
    public void checkpoint() {
        String reason = abortReason;
        if (reason == null) reason = runSignal.reason();
        if (reason != null) throw new AbortedException(reason);
    }

    @Override
    public void onAbort(Runnable hook) {
        Objects.requireNonNull(hook, "hook");
        synchronized (this) {
            if (hooks != null) {
                hooks.add(hook);
                return;
            }
        }
        // The abort has already happened: run the hook now, but never on the caller's thread.
        try {
            hookExecutor.execute(() -> runHook(hook));
        } catch (RejectedExecutionException e) {
            runHook(hook);
        }
    }

    @Override
    public void progress(String message) {
        progress = message;
        // Coalesced: at most one progress message in flight to the worker, however fast the call
        // reports; the worker reads the latest when it gets to it.
        if (state.get() == State.RUNNING && progressInFlight.compareAndSet(false, true)) sink.progressed(this);
    }

    @Override
    public void detail(String key, Object value) {
        Objects.requireNonNull(key, "key");
        if (value == null) details.remove(key);
        else details.put(key, value);
    }

    @Override
    public String callName() {
        return callName;
    }

    @Override
    public int attempt() {
        return attempt;
    }

    @Override
    public Config config() {
        return config;
    }
}
