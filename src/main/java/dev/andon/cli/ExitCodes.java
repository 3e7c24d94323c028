package dev.andon.cli;

/** The exit statuses of {@code andon}: scripts depend on them, so they never change meaning. */
final class ExitCodes {
    /** The run succeeded; the configuration is valid; the service stopped cleanly. */
    static final int OK = 0;
    /** The run failed. */
    static final int RUN_FAILED = 1;
    /** A usage or configuration error: nothing was run. */
    static final int CONFIG = 2;
    /** The run was aborted by SIGINT or SIGTERM (after the aborts were acknowledged). */
    static final int SIGNALLED = 130;

    private ExitCodes() {
    }
}
