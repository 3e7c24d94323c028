package dev.andon.call;

import java.io.IOException;

/**
 * A command could not be started: no such program, not executable, no such working directory.
 * Its message is one line, {@code cannot start "nosuch": No such file or directory}.
 */
public final class CommandStartException extends IOException {
    public CommandStartException(String program, String reason) {
        super("cannot start \"" + program + "\": " + reason);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // A user's mistake, not our bug: the message says it all.
        return this;
    }
}
