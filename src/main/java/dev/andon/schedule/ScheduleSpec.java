package dev.andon.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A job's {@code schedule}, validated: when it fires, in which zone, what a fire
 * does when the last run is still live, and how far back a fire missed during downtime is caught up.
 *
 * @param timing  a cron expression or a fixed interval
 * @param zone    the IANA zone the cron expression is read in
 * @param overlap what a fire does while the last run is live
 * @param catchUp after downtime, the latest missed fire no older than this runs once; zero: never
 */
public record ScheduleSpec(Timing timing, ZoneId zone, Overlap overlap, Duration catchUp) {
    public ScheduleSpec {
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(overlap, "overlap");
        Objects.requireNonNull(catchUp, "catchUp");
        if (catchUp.isNegative()) throw new IllegalArgumentException("catchUp must not be negative: " + catchUp);
    }

    /** The first fire strictly after {@code t}, or {@code null} when the schedule never fires again. */
    public Instant nextAfter(Instant t) {
        return timing.nextAfter(t, zone);
    }

    /** The next {@code n} fires strictly after {@code t} (fewer when the schedule ends). */
    public List<Instant> next(Instant t, int n) {
        List<Instant> out = new ArrayList<>(n);
        Instant at = t;
        while (out.size() < n && (at = nextAfter(at)) != null) out.add(at);
        return List.copyOf(out);
    }

    /** The schedule in one line: {@code cron "0 2 * * *" in Europe/Berlin, overlap skip, catch-up 1h}. */
    public String describe() {
        return timing.describe() + (timing instanceof Timing.Cron ? " in " + zone.getId() : "")
                + ", overlap " + overlap.configName() + ", catch-up " + Timing.Every.render(catchUp);
    }
}
