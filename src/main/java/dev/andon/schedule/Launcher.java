package dev.andon.schedule;

import dev.andon.run.JobSpec;
import dev.andon.run.RunStatus;
import java.util.concurrent.CompletionStage;

/**
 * How the scheduler starts and aborts runs: the service's run registry, so that a scheduled run
 * is admitted, listed, streamed and counted like any other.
 *
 * <h2>Threading</h2>
 * Thread-safe and non-blocking; {@code ended} is called once per launched run, from any thread,
 * and must be quick.
 */
public interface Launcher {

    /** What became of a launch. */
    sealed interface Outcome {
    }

    /** The run started, as {@code runId}. */
    record Launched(String runId) implements Outcome {
    }

    /** No run started: too many live, an invalid job: recorded as a skipped fire. */
    record Refused(String reason) implements Outcome {
    }

    /** No run started: the service is stopping. Not recorded: for the next start, a fire of the downtime. */
    record Stopping(String reason) implements Outcome {
    }

    /** No run started: the store had this (job, fire time) already (a second Andon on it, a restart). */
    record FiredBefore(String detail) implements Outcome {
    }

    /** Told when a launched run has ended. */
    interface Ended {
        void ended(String runId, RunStatus status);
    }

    /**
     * Starts a run of {@code job} for {@code fire}, its submission recording the fire in the same
     * transaction (see {@link dev.andon.store.RunStore#submitted}); {@code ended} is told its end.
     */
    CompletionStage<Outcome> launch(JobSpec job, Fire fire, Ended ended);

    /** Aborts a live run with {@code reason}; {@code false} when it is no longer live. */
    boolean abort(String runId, String reason);
}
