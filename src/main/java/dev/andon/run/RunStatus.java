package dev.andon.run;

/** A run's state: live ({@code RUNNING}, {@code ABORTING}) or its outcome. */
public enum RunStatus {
    RUNNING, ABORTING, SUCCEEDED, FAILED, ABORTED;

    public boolean isFinal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }
}
