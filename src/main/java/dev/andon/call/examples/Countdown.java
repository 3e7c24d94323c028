package dev.andon.call.examples;

import dev.andon.call.BlockingCall;
import dev.andon.call.WorkContext;

/**
 * An example of user code for the {@code class} kind: counts down from {@code config.from} one
 * second at a time, reporting progress, and stops as soon as it is aborted.
 * <pre>{@code
 * { name = count, kind = class, class = "dev.andon.call.examples.Countdown", config { from = 3 } }
 * }</pre>
 * Returns {@code "liftoff"}.
 */
public final class Countdown implements BlockingCall<String> {
    @Override
    public String call(WorkContext ctx) throws InterruptedException {
        for (int left = ctx.config().getInt("from"); left > 0; left--) {
            ctx.checkpoint();
            ctx.progress(left + " to go");
            // Thread.sleep is interrupted by an abort (interrupt-on-abort = on, the default).
            Thread.sleep(1000);
        }
        return "liftoff";
    }
}
