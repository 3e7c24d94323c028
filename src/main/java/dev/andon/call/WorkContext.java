package dev.andon.call;

import com.typesafe.config.Config;

/**
 * What a running {@link BlockingCall} can see of its supervision: the abort signal, abort hooks,
 * progress reporting and its own configuration.
 *
 * <h2>Threading</h2>
 * Every method is thread-safe and non-blocking. {@link #abortRequested()} is a volatile read, cheap
 * enough to call in a tight loop. Once the abort signal is set it is never cleared, and it
 * <em>happens-before</em> every hook registered with {@link #onAbort} runs.
 */
public interface WorkContext {

    /** {@code true} once an abort was requested of this call; cheap, thread-safe. */
    boolean abortRequested();

    /**
     * Returns normally unless an abort was requested.
     *
     * @throws AbortedException once an abort was requested, carrying its reason
     */
    void checkpoint();

    /**
     * Registers a hook that unblocks this call when it is aborted: close a socket, cancel a JDBC
     * {@code Statement}, destroy a process. Each hook runs at most once, never on the thread that
     * runs the call, before the thread is interrupted. A hook registered after the abort was
     * requested runs right away (on another thread). A hook that throws is logged and does not
     * stop the others.
     *
     * @throws NullPointerException if {@code hook} is null
     */
    void onAbort(Runnable hook);

    /**
     * Whether this call's thread is interrupted when the call is aborted ({@code interrupt-on-abort},
     * on by default). When it is, a call whose thread blocks interruptibly may do its own stopping
     * once interrupted instead of registering a hook: the interrupt comes straight from the
     * engine, while hooks wait their turn on a small pool. {@code false} unless the engine says so.
     */
    default boolean interruptedOnAbort() {
        return false;
    }

    /** A heartbeat shown in the live state of the run, its events, and the report. */
    void progress(String message);

    /**
     * One line of the call's output on {@code stream} ({@code stdout}, {@code stderr}), told to
     * the run's listeners as a {@code call-output} event. Never blocks: lines over
     * {@code andon.events.max-output-lines-per-second} are counted and dropped. Thread-safe (a
     * command's two pipe readers call it). The default does nothing.
     */
    default void output(String stream, String line) {
    }

    /**
     * A heartbeat without news: the call is alive and moving (a chunk of a response body, a batch
     * of rows). A call with a {@code heartbeat-timeout} is aborted, as timed out, when it goes that
     * long without one; {@link #progress} and {@link #output} count as heartbeats too. Cheap and
     * non-blocking (coalesced: call it as often as it suits). The default does nothing.
     */
    default void heartbeat() {
    }

    /**
     * Adds a named detail to this call's report (an exit code, an HTTP status, an output tail).
     * Values should be strings, numbers or booleans.
     */
    void detail(String key, Object value);

    /** The id of the run this call belongs to; {@code null} outside a run (in a test's own context). */
    default String runId() {
        return null;
    }

    /**
     * Tells the engine that this call started a process group led by {@code pid} (with
     * {@code setsid}), which gets {@code killGrace} between SIGTERM and SIGKILL. The engine records
     * it in the run store, so that an Andon restarted after a crash can stop what was left behind.
     * Cheap and non-blocking; a no-op where nothing is recorded.
     */
    default void processStarted(long pid, java.time.Duration killGrace) {
    }

    /** The call's name, unique within its run. */
    String callName();

    /** This attempt's number, starting at 1. */
    int attempt();

    /** The call's own configuration block ({@code config { ... }} for the {@code class} kind). */
    Config config();
}
