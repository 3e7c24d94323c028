package dev.andon.schedule;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Where the scheduler keeps what must survive a restart: which fires it has handled, which job is
 * paused, and the counts. A (job, fire time) pair is claimed at most once, ever: {@link #claim}
 * of a pair already claimed fails, so a restart never fires one twice.
 *
 * <h2>Threading</h2>
 * Thread-safe; the writes complete their stages once committed, on the store's thread, and do not
 * block their caller.
 */
public interface ScheduleStore {

    /**
     * A schedule as last recorded.
     *
     * @param handledThrough every fire up to here was handled (run, skipped or missed)
     * @param lastRunId      the run of the last fire that started one, or {@code null}
     */
    record State(Instant handledThrough, boolean paused, Instant lastFireAt, String lastRunId, long fired,
                 long skipped, long missed) {
    }

    /** Thrown (in a stage) when a fire was claimed before. */
    final class AlreadyFired extends RuntimeException {
        public AlreadyFired(Fire fire) {
            super(fire.job() + ": the fire of " + fire.at() + " was claimed before");
        }
    }

    /** Every schedule's state, by job. */
    CompletionStage<Map<String, State>> load();

    /** Records that {@code job}'s schedule is handled from {@code since} on (a schedule seen for the first time). */
    CompletionStage<Void> begin(String job, Instant since);

    /**
     * Claims {@code fire}: the run it starts is the one recorded by {@link #launched}; fails with
     * {@link AlreadyFired} when a scheduled (not manual) fire of that job and time was claimed before.
     */
    CompletionStage<Void> claim(Fire fire);

    /** Records the run that {@code fire} started, or that it started none ({@code runId} null: why in {@code reason}). */
    CompletionStage<Void> launched(Fire fire, String runId, String reason);

    /** Records a skipped fire. */
    CompletionStage<Void> skipped(Fire fire, String reason);

    /**
     * Records {@code count} fires missed; every fire up to {@code latest} is handled then, or, when
     * {@code latest} is null, the fire that runs instead of them will say how far (by its claim).
     */
    CompletionStage<Void> missed(String job, Instant latest, long count);

    /** Records whether {@code job}'s schedule is paused; on resume, fires before {@code at} are not caught up. */
    CompletionStage<Void> paused(String job, boolean paused, Instant at);
}
