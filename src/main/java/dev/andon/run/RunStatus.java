package dev.andon.run;

/**
 * A run's state: live ({@code RUNNING}, {@code ABORTING}) or its outcome. {@code INTERRUPTED} is
 * given only at recovery, to a run found unfinished in the store (its Andon died).
 */
public enum RunStatus {
    RUNNING, ABORTING, SUCCEEDED, FAILED, ABORTED, INTERRUPTED;

    public boolean isFinal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }
}
