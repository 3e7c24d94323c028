package dev.andon.service;

import dev.andon.run.RunStatus;
import java.time.Instant;

/**
 * What happens in the service as a whole, streamed by {@code GET /events} (SPEC section 6): runs
 * submitted, started and finished; schedules' fires join this family. Each kind names itself
 * ({@link #type}), so a new one cannot be added without its name.
 */
public sealed interface ServiceEvent {
    Instant at();

    /** The SSE {@code event:} name. */
    String type();

    /** A run was admitted: it has an id and will start. */
    record RunSubmitted(Instant at, String runId, String job, int calls) implements ServiceEvent {
        @Override
        public String type() {
            return "run-submitted";
        }
    }

    record RunStarted(Instant at, String runId, String job, int calls) implements ServiceEvent {
        @Override
        public String type() {
            return "run-started";
        }
    }

    record RunFinished(Instant at, String runId, String job, RunStatus status, Long durationMillis)
            implements ServiceEvent {
        @Override
        public String type() {
            return "run-finished";
        }
    }
}
