package dev.andon.schedule;

import java.time.Duration;

/**
 * What the scheduler tells the world: the {@code schedule-fired} and {@code schedule-skipped}
 * events and the metrics. Called on the scheduler's actor thread: quick, never blocking.
 */
public interface ScheduleObserver {
    /**
     * A fire started its run.
     *
     * @param lag fire time to run start, for a fire started when it was due; {@code null} for a
     *            caught-up, waiting or manual one, whose start is late on purpose
     */
    void fired(Fire fire, String runId, Duration lag);

    /** A fire was skipped (overlap, pause is not one: a paused schedule does not fire) or refused. */
    void skipped(Fire fire, String reason);

    /** {@code count} fires were missed (downtime beyond catch-up, or a scheduler held up). */
    void missed(String job, long count);

    ScheduleObserver NONE = new ScheduleObserver() {
        @Override
        public void fired(Fire fire, String runId, Duration lag) {
        }

        @Override
        public void skipped(Fire fire, String reason) {
        }

        @Override
        public void missed(String job, long count) {
        }
    };
}
