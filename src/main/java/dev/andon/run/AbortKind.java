package dev.andon.run;

/** Why an abort was requested; decides how a stopped call and its run are reported. */
public enum AbortKind {
    /** A sibling failed under {@code fail-fast}. */
    SIBLING_FAILED,
    /** The call's own timeout expired: the call ends {@code TIMED_OUT}. */
    TIMEOUT,
    /** The call went its {@code heartbeat-timeout} without a heartbeat: it ends {@code TIMED_OUT}, as for a timeout. */
    HEARTBEAT,
    /** The run's deadline expired: the run ends {@code FAILED}. */
    DEADLINE,
    /** Someone outside asked (API, signal): the run ends {@code ABORTED}. */
    USER,
    /** The system is shutting down: the run ends {@code ABORTED}. */
    SHUTDOWN,
    /** Andon itself failed in the run's supervisor or a worker (a bug): the run ends {@code FAILED}. */
    INTERNAL_ERROR;

    /** Whether this is the call's own time limit ({@code timeout} or {@code heartbeat-timeout}): the call fails by it. */
    public boolean isOwnTimeout() {
        return this == TIMEOUT || this == HEARTBEAT;
    }
}
