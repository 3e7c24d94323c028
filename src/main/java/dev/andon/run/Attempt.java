package dev.andon.run;

import com.typesafe.config.Config;
import dev.andon.call.AbortedException;
import dev.andon.call.BlockingCall;
import dev.andon.call.WorkContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
final class Attempt implements WorkContext, Runnable {
    private static final Logger log = LoggerFactory.getLogger(Attempt.class);
    private static final int MAX_RESULT_CHARS = 1000;

    enum State { PENDING, RUNNING, COMPLETED, CANCELLED, ABANDONED }

    /** Where the attempt's thread reports to: the worker (it never blocks and never throws). */
    interface Sink {
        void started(Attempt ctx);

        void progressed(Attempt ctx);

        /** A heartbeat without news (only for a call with a {@code heartbeat-timeout}). */
        void beat(Attempt ctx);

        /** A line of output let through; {@code skipped} lines were dropped before it. */
        void output(Attempt ctx, String stream, String line, long skipped);

        void finished(Attempt ctx, String result, Throwable error, boolean abortSeen);

        void hooksDone(Attempt ctx);
    }

    /** How long a thread may go on from call to call while other work may be waiting (10 ms). */
    static final long LANE_SLICE_NANOS = 10_000_000L;

    private static final VarHandle STATE;
    private static final VarHandle PROGRESS_IN_FLIGHT;
    private static final VarHandle BEAT_IN_FLIGHT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Attempt.class, "state", State.class);
            PROGRESS_IN_FLIGHT = lookup.findVarHandle(Attempt.class, "progressInFlight", boolean.class);
            BEAT_IN_FLIGHT = lookup.findVarHandle(Attempt.class, "beatInFlight", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
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
    private final boolean interruptOnAbort;
    private final boolean heartbeats;  // it has a heartbeat-timeout: the worker wants to hear each beat
    private final OutputLimiter outputLimiter; // guarded by itself, never by this: a pipe reader must not wait for an abort

    // Plain fields updated through VarHandles rather than an Atomic* object each: an attempt is
    // created per call, and most calls are short.
    private volatile State state = State.PENDING;
    private volatile boolean progressInFlight;
    private volatile boolean beatInFlight;
    private volatile Map<String, Object> details; // created on the first detail()
    private volatile String abortReason;
    private volatile String progress;
    private volatile Instant startedAt;
    private volatile String threadName;
    // Guarded by this:
    private List<Runnable> hooks;      // created on the first onAbort()
    private boolean hooksTaken;        // by the abort
    private boolean hooksRunning;      // the abort's hooks have not all returned yet
    private Thread thread;
    // Only on the attempt's thread: the call handed over to it to run next, and since when the
    // thread has been running this run's calls one after another.
    private Attempt successor;
    private long laneSince;
    private boolean inline;   // set before the thread runs it; it came from the previous call on that thread

    private final int slot; // the parallel slot it runs in, -1 if none (see RunSignal.began)

    Attempt(String runId, int index, CallSpec spec, int attempt, Executor hookExecutor, Sink sink,
            AndonStats stats, String dispatcher, RunSignal runSignal, int maxOutputLinesPerSecond) {
        this(runId, index, spec, attempt, hookExecutor, sink, stats, dispatcher, runSignal, maxOutputLinesPerSecond, -1);
    }

    Attempt(String runId, int index, CallSpec spec, int attempt, Executor hookExecutor, Sink sink,
            AndonStats stats, String dispatcher, RunSignal runSignal, int maxOutputLinesPerSecond, int slot) {
        this.slot = slot;
        this.runId = runId;
        this.index = index;
        this.callName = spec.name();
        this.attempt = attempt;
        this.config = spec.config();
        this.call = spec.call();
        this.hookExecutor = hookExecutor;
        this.sink = sink;
        this.stats = stats;
        this.dispatcher = dispatcher;
        this.runSignal = runSignal;
        this.interruptOnAbort = spec.interruptOnAbort();
        this.heartbeats = spec.heartbeatTimeout() != null;
        this.outputLimiter = new OutputLimiter(maxOutputLinesPerSecond);
    }

    // ---- the attempt, on its blocking thread ----

    /**
     * Runs this attempt, then any call handed over to this thread when it finished (see
     * {@link #handOver}), one after another.
     */
    @Override
    public void run() {
        laneSince = System.nanoTime();
        Attempt next = this;
        while (next != null) next = next.runOnce();
    }

    /** Runs this attempt; returns the call handed over to this thread to run next, if any. */
    private Attempt runOnce() {
        Thread current = Thread.currentThread();
        // Written before the state turns RUNNING, so that whoever sees RUNNING (an abandonment)
        // sees which thread and since when.
        threadName = current.getName();
        startedAt = Instant.now();
        synchronized (this) {
            if (!STATE.compareAndSet(this, State.PENDING, State.RUNNING)) return null; // cancelled while queued
            thread = current;
        }
        runSignal.began(slot, this);
        if (!inline) sink.started(this); // inline: the worker learned of it with the previous call's end
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
        // Woken by a failing sibling's thread (or seeing its cord): help it wake the rest first.
        if (abortSeen) runSignal.helpStop(this);
        synchronized (this) {
            thread = null;
        }
        Thread.interrupted(); // an interrupt meant for this call must not reach the pool's next task
        if (STATE.compareAndSet(this, State.RUNNING, State.COMPLETED)) {
            sink.finished(this, result, error, abortSeen); // may hand this thread its next call
            Attempt next = successor;
            successor = null;
            return next;
        }
        stats.lateCompletion(dispatcher);
        log.info("abandoned call {} of run {} finished late on {}: {}", callName, runId, threadName,
                error == null ? "returned " + result : error.toString());
        return null;
    }

    /**
     * From within {@link Sink#finished}, on this attempt's thread: {@code true} if no abort has
     * been requested of this attempt, and none will take effect on it any more — so its thread
     * may go on to the run's next call. Decided under the lock that {@link #requestAbort} takes:
     * either the abort came first (no hand-over; the abort's hooks may be running), or this came
     * first and the abort, finding the attempt completed, runs no hooks and interrupts nothing.
     */
    boolean mayHandOver() {
        synchronized (this) {
            return abortReason == null && runSignal.reason() == null;
        }
    }

    /**
     * From within {@link Sink#finished}, on this attempt's thread: whether the run's next call
     * should run on this same thread, right after this attempt — so that the thread never waits
     * for the actors between two calls. It should, unless the thread has gone on from call to
     * call for a while ({@link #LANE_SLICE_NANOS}) and other work may be waiting for a thread of
     * this pool: then the next call joins the back of the queue, so that a long run never
     * starves another; every other run waits at most about one slice longer than it would have.
     */
    boolean keepsThread() {
        return System.nanoTime() - laneSince < LANE_SLICE_NANOS || !BlockingExecutorConfigurator.othersMayWait();
    }

    /**
     * From within {@link Sink#finished}, on this attempt's thread, after the sink has told the
     * worker about {@code next}: runs {@code next} on this thread as soon as this attempt's
     * {@link #run()} returns if {@code inline} (see {@link #keepsThread()}), or else on the executor.
     * An inline call sends no {@code started} of its own: the worker knew it was starting when it
     * learned of this attempt's end.
     */
    void handOver(Attempt next, boolean inline, Executor executor) {
        if (!inline) {
            try {
                executor.execute(next);
                return;
            } catch (RejectedExecutionException e) {
                // The dispatcher is going away: this thread is still here, so run it here.
            }
        }
        next.inline = inline;
        next.laneSince = laneSince;
        successor = next;
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
        State s = state;
        return s == State.COMPLETED || s == State.CANCELLED;
    }

    /** Cancels the attempt if its thread has not begun it; {@code true} if it never will. */
    boolean cancelIfPending() {
        return STATE.compareAndSet(this, State.PENDING, State.CANCELLED);
    }

    /**
     * Sets the abort signal, then, on the hook executor, runs the hooks (each once), interrupts
     * the thread (unless {@code interrupt-on-abort} is off), and tells the sink {@code hooksDone}.
     * Without hooks the interrupt is sent right here (it never blocks) and there is nothing to wait for.
     *
     * Asked again (by the worker, after the thread of a failing sibling asked: see
     * {@link RunSignal#stopRunning}), it does nothing more and says whether those hooks are still running.
     *
     * @return {@code true} if hooks are running and {@code hooksDone} will follow
     */
    boolean requestAbort(String reason) {
        List<Runnable> taken;
        synchronized (this) {
            if (abortReason != null) return hooksRunning;
            abortReason = Objects.requireNonNull(reason);
            // Already over: nothing to stop, so no hooks and no interrupt (its thread may be
            // running the run's next call by now).
            if (state == State.COMPLETED) return false;
            taken = hooks;
            hooks = null;
            hooksTaken = true;
            hooksRunning = taken != null;
        }
        if (taken == null) {
            if (interruptOnAbort) interruptIfRunning();
            return false;
        }
        Runnable task = () -> {
            for (Runnable hook : taken) runHook(hook);
            if (interruptOnAbort) interruptIfRunning();
            synchronized (this) {
                hooksRunning = false;
            }
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

    /** Whether an abort's hooks are running: then {@code hooksDone} will follow. */
    synchronized boolean hooksRunning() {
        return hooksRunning;
    }

    private synchronized void interruptIfRunning() {
        if (thread != null && state == State.RUNNING) thread.interrupt();
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
        if (!STATE.compareAndSet(this, State.RUNNING, State.ABANDONED)) return false;
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
        progressInFlight = false;
        return progress;
    }

    int attemptNumber() {
        return attempt;
    }

    /** The call's index in its job. */
    int index() {
        return index;
    }

    /**
     * When its thread began the call; null while it has not (or never will: a thread that takes
     * up an attempt cancelled meanwhile notes the time before it finds out).
     */
    Instant startedAt() {
        State s = state;
        return s == State.PENDING || s == State.CANCELLED ? null : startedAt;
    }

    String threadName() {
        return threadName;
    }

    String lastProgress() {
        return progress;
    }

    Map<String, Object> details() {
        Map<String, Object> d = details;
        return d == null ? Map.of() : Map.copyOf(d);
    }

    // ---- WorkContext, for the call ----

    @Override
    public boolean abortRequested() {
        return abortReason != null || runSignal.reason() != null;
    }

    @Override
    public boolean interruptedOnAbort() {
        return interruptOnAbort;
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
            if (!hooksTaken) {
                if (hooks == null) hooks = new ArrayList<>(2);
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
    public String runId() {
        return runId;
    }

    @Override
    public void processStarted(long pid, java.time.Duration killGrace) {
        stats.processStarted(runId, callName, pid, killGrace);
    }

    @Override
    public void progress(String message) {
        progress = message;
        // Coalesced: at most one progress message in flight to the worker, however fast the call
        // reports; the worker reads the latest when it gets to it.
        if (state == State.RUNNING && PROGRESS_IN_FLIGHT.compareAndSet(this, false, true)) sink.progressed(this);
    }

    @Override
    public void heartbeat() {
        // Coalesced like progress; and no message at all for a call that has no heartbeat-timeout.
        if (heartbeats && state == State.RUNNING && BEAT_IN_FLIGHT.compareAndSet(this, false, true)) sink.beat(this);
    }

    /** Clears the heartbeat flag, so that the next heartbeat is told. */
    void takeBeat() {
        beatInFlight = false;
    }

    @Override
    public void output(String stream, String line) {
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(line, "line");
        if (state != State.RUNNING) return;
        heartbeat(); // every line counts, told or not
        long skipped;
        synchronized (outputLimiter) {
            skipped = outputLimiter.offer(System.nanoTime());
        }
        if (skipped >= 0) sink.output(this, stream, line, skipped);
    }

    /** The output lines dropped over the limit and not told yet; the worker tells them at the attempt's end. */
    long takeSkippedOutput() {
        synchronized (outputLimiter) {
            return outputLimiter.takeSkipped();
        }
    }

    @Override
    public void detail(String key, Object value) {
        Objects.requireNonNull(key, "key");
        Map<String, Object> d = details;
        if (d == null) {
            if (value == null) return;
            synchronized (this) {
                d = details;
                if (d == null) details = d = new ConcurrentHashMap<>();
            }
        }
        if (value == null) d.remove(key);
        else d.put(key, value);
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
