package dev.andon.run;

/**
 * A call's state: live ({@code QUEUED}, {@code RUNNING}, {@code ABORTING}) or its one outcome.
 * {@code LOST} is given only at recovery, to a call that was running when its Andon died.
 */
public enum CallStatus {
    QUEUED, RUNNING, ABORTING,
    SUCCEEDED, FAILED, TIMED_OUT, ABORTED, CANCELLED, ABANDONED, LOST;

    /** {@code true} for the seven outcomes a call can end with. */
    public boolean isFinal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }

    /** {@code true} for the outcomes that make a run fail ({@code FAILED}, {@code TIMED_OUT}). */
    public boolean isFailure() {
        return this == FAILED || this == TIMED_OUT;
    }
}
