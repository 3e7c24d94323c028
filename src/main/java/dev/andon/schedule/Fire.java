package dev.andon.schedule;

import java.time.Instant;
import java.util.Objects;

/**
 * One fire of a schedule: the run of {@code job} it starts is for {@code at}.
 *
 * @param job    the job's name
 * @param at     the fire time the schedule computed (for a manual fire: when it was asked for)
 * @param manual fired by {@code POST /schedules/{job}/trigger}
 * @param missed a fire of the downtime, caught up at start
 */
public record Fire(String job, Instant at, boolean manual, boolean missed) {
    public Fire {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(at, "at");
    }
}
