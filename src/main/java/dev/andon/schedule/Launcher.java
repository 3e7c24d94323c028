package dev.andon.schedule;

import dev.andon.run.JobSpec;
import dev.andon.run.RunStatus;
import java.util.concurrent.CompletionStage;

/**
 * How the scheduler starts and aborts runs: the service's run registry, so that a scheduled run
 * is admitted, listed, streamed and counted like any other.
 *
 * <h2>Threading</h2>
 * Thread-safe and non-blocking.
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

    /** What becomes of a launched run: each is told once, from any thread, and must be quick. */
    interface News {
        /** The run has started (told its {@code run-started}) at {@code at}. */
        void started(String runId, java.time.Instant at);

        /** The run has ended, its report out. */
        void ended(String runId, RunStatus status);
    }

    /**
     * Starts a run of {@code job} for {@code fire}, its submission recording the fire in the same
     * transaction (see {@link dev.andon.store.RunStore#submitted}); {@code news} is told its start
     * and its end.
     *
     * @param startAt when the run's calls start, for a fire submitted ahead of its time (the run
     *                is live, recorded and counted from its submission on); {@code null}: at once
     */
    CompletionStage<Outcome> launch(JobSpec job, Fire fire, java.time.Instant startAt, News news);

    /** Aborts a live run with {@code reason}; {@code false} when it is no longer live. */
    boolean abort(String runId, String reason);
}
