package dev.andon.run;

import dev.andon.call.BlockingCall;
import dev.andon.call.RetryKeyed;
import dev.andon.call.WorkContext;
import java.util.List;

/**
 * A call whose failure misbehaves in Andon's hands: its message cannot be read, and asked which
 * {@code retry.on} keys it answers to, it throws. The first must still be reported FAILED; the
 * second makes Andon's worker fail as it decides on a retry, which stands here for any bug inside
 * Andon's actors (what such a bug may not do: leave a run unfinished, or lie about its calls).
 */
public final class ThrowsUnprintably implements BlockingCall<String> {
    @Override
    public String call(WorkContext ctx) {
        throw new Unprintable();
    }

    static final class Unprintable extends RuntimeException implements RetryKeyed {
        @Override
        public String getMessage() {
            throw new IllegalStateException("no message for you");
        }

        @Override
        public List<String> retryKeys() {
            throw new IllegalStateException("no keys for you");
        }
    }
}
