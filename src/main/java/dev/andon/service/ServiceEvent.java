package dev.andon.service;

import dev.andon.run.RunStatus;
import java.time.Instant;

/**
 * What happens in the service as a whole, streamed by {@code GET /events}: runs
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

    /**
     * A schedule fired and started its run.
     *
     * @param fireTime the fire time it runs for (for a manual fire, when it was asked for)
     * @param missed   a fire of a downtime, caught up at start
     */
    record ScheduleFired(Instant at, String job, Instant fireTime, String runId, boolean manual, boolean missed)
            implements ServiceEvent {
        @Override
        public String type() {
            return "schedule-fired";
        }
    }

    /** A schedule's fire started no run: {@code reason} says why (the last run live under overlap skip, ...). */
    record ScheduleSkipped(Instant at, String job, Instant fireTime, boolean manual, String reason) implements ServiceEvent {
        @Override
        public String type() {
            return "schedule-skipped";
        }
    }
}
