package dev.andon.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The scheduler's decisions, as pure functions of plain values: which fire is due, what a restart
 * catches up, and what a fire does when the last run is still live. The scheduler actor only
 * carries them out; the tables of README's schedules section are tested row by row against these.
 */
public final class Firing {
    /** Counting missed fires stops here (a cron schedule cannot count them otherwise than one by one). */
    public static final long MAX_COUNTED = 10_000;

    private Firing() {
    }

    /**
     * The fires in {@code (after, now]}: the latest, and how many came before it (counted up to
     * {@link #MAX_COUNTED}).
     *
     * @param latest the latest fire at or before {@code now} and after {@code after}, or {@code null}
     * @param older  how many fires in that span came before {@code latest}
     */
    public record Due(Instant latest, long older) {
        static final Due NONE = new Due(null, 0);
    }

    /** What is due of {@code schedule} at {@code now} when every fire up to {@code after} was handled. */
    public static Due due(ScheduleSpec schedule, Instant after, Instant now) {
        if (!now.isAfter(after)) return Due.NONE;
        if (schedule.timing() instanceof Timing.Every every) {
            long count = every.countBetween(after, now);
            return count == 0 ? Due.NONE : new Due(every.atOrBefore(now), Math.min(MAX_COUNTED, count - 1));
        }
        // The latest fire is looked for in growing windows back from now, so that a long gap of a
        // frequent schedule costs no more than its last window's fires.
        Instant latest = null;
        for (Duration window : WINDOWS) {
            Instant from = now.minus(window);
            if (!from.isAfter(after)) from = after;
            latest = lastIn(schedule, from, now);
            if (latest != null || from.equals(after)) break;
        }
        if (latest == null) return Due.NONE;
        long older = 0;
        for (Instant at = schedule.nextAfter(after); at != null && at.isBefore(latest) && older < MAX_COUNTED;
             at = schedule.nextAfter(at)) older++;
        return new Due(latest, older);
    }

    private static final List<Duration> WINDOWS = List.of(Duration.ofHours(1), Duration.ofDays(2), Duration.ofDays(40),
            Duration.ofDays(400), Duration.ofDays(3660));

    private static Instant lastIn(ScheduleSpec schedule, Instant after, Instant upTo) {
        Instant last = null;
        for (Instant at = schedule.nextAfter(after); at != null && !at.isAfter(upTo); at = schedule.nextAfter(at)) last = at;
        return last;
    }

    /**
     * What a start finds: the fire to run now ({@code missed: true}), or none, and how many fires
     * are recorded as missed.
     *
     * @param run    the latest missed fire, when it is within the catch-up window; else {@code null}
     * @param missed how many fires are missed (not run), {@code run} not among them
     */
    public record CatchUp(Instant run, long missed) {
    }

    /**
     * What a start at {@code now} does about the fires of {@code schedule} after {@code handledThrough},
     * the last fire it handled before it stopped: the latest runs when it is no older than the
     * schedule's {@code catch-up}, the others are missed.
     */
    public static CatchUp atStart(ScheduleSpec schedule, Instant handledThrough, Instant now) {
        Due due = due(schedule, handledThrough, now);
        if (due.latest() == null) return new CatchUp(null, 0);
        boolean inWindow = !schedule.catchUp().isZero() && !due.latest().isBefore(now.minus(schedule.catchUp()));
        return inWindow ? new CatchUp(due.latest(), due.older()) : new CatchUp(null, due.older() + 1);
    }

    /** What a fire does. */
    public enum Action {
        /** Start its run now. */
        START,
        /** Record it as skipped. */
        SKIP,
        /** Keep it waiting until the live runs have ended. */
        WAIT,
        /** Abort the live runs and keep it waiting until they have ended. */
        REPLACE
    }

    /**
     * What a fire does under {@code overlap}.
     *
     * @param live    whether a run of the schedule's job that the scheduler started is live
     * @param waiting whether a fire already waits for the live runs to end
     */
    public static Action onFire(Overlap overlap, boolean live, boolean waiting) {
        if (!live) return Action.START;
        return switch (overlap) {
            case SKIP -> Action.SKIP;
            case BUFFER_ONE -> waiting ? Action.SKIP : Action.WAIT;
            case REPLACE -> waiting ? Action.SKIP : Action.REPLACE;
            case ALLOW -> Action.START;
        };
    }

    /** Whether the waiting fire starts when a run ends and {@code liveLeft} runs are still live. */
    public static boolean startWaiting(boolean waiting, int liveLeft) {
        return waiting && liveLeft == 0;
    }
}
