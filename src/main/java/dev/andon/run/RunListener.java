package dev.andon.run;

/**
 * Receives a run's events. Called on the supervisor's thread, one event at a time, in order:
 * an implementation must be quick and must not block (hand the event to a queue or an actor).
 * An exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface RunListener {
    /** Hears nothing; a run told to it makes no events of its calls at all. */
    RunListener NONE = e -> { };

    void onEvent(RunEvent event);

    /**
     * Whether this listener is told of each call ({@code CallStarted}, {@code CallProgressed},
     * output, {@code CallFinished}) or only of the run itself ({@code RunStarted},
     * {@code AbortRequested}, {@code RunFinished}, {@code RunRejected}). A run makes no per-call
     * events for a listener that does not want them: nothing is allocated for them, and the
     * calls cancelled when its cord is pulled cost nothing each. {@code false} only for {@link #NONE}.
     */
    default boolean callEvents() {
        return this != NONE;
    }
}
