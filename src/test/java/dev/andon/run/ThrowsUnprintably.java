package dev.andon.run;

import dev.andon.call.BlockingCall;
import dev.andon.call.WorkContext;

/**
 * A call that throws an exception whose message cannot be read: the worker fails as it describes
 * the error, which stands here for any bug inside Andon's actors (tests of what such a bug may not
 * do: leave a run unfinished, or lie about its calls).
 */
public final class ThrowsUnprintably implements BlockingCall<String> {
    @Override
    public String call(WorkContext ctx) {
        throw new Unprintable();
    }

    static final class Unprintable extends RuntimeException {
        @Override
        public String getMessage() {
            throw new IllegalStateException("no message for you");
        }
    }
}
