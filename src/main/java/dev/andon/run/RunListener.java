package dev.andon.run;

/**
 * Receives a run's events. Called on the supervisor's thread, one event at a time, in order:
 * an implementation must be quick and must not block (hand the event to a queue or an actor).
 * An exception it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface RunListener {
    RunListener NONE = e -> { };

    void onEvent(RunEvent event);
}
