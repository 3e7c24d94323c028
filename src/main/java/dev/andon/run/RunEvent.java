package dev.andon.run;

import java.time.Instant;

/** What happens in a run, as told to a {@link RunListener}, in order. */
public sealed interface RunEvent {
    String runId();

    Instant at();

    record RunStarted(String runId, Instant at, String job, int calls) implements RunEvent {
    }

    record CallStarted(String runId, Instant at, String call, int attempt, String thread) implements RunEvent {
    }

    record CallProgressed(String runId, Instant at, String call, String message) implements RunEvent {
    }

    record AbortRequested(String runId, Instant at, String reason) implements RunEvent {
    }

    /** A call reached its outcome; {@code acked} is true when it was one an abort was requested of. */
    record CallFinished(String runId, Instant at, CallReport report, boolean acked) implements RunEvent {
    }

    record RunFinished(String runId, Instant at, RunReport report) implements RunEvent {
    }

    /** The run was refused before it started (the system is shutting down). */
    record RunRejected(String runId, Instant at, String reason) implements RunEvent {
    }
}
