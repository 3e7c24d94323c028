package dev.andon.config;

import dev.andon.run.RetryPolicy;
import java.time.Duration;

/**
 * A call's effective call-level settings, after its job's defaults were applied.
 *
 * @param timeout          the call's own time limit, or {@code null} for none
 * @param heartbeatTimeout how long the call may go without a heartbeat, or {@code null} for no limit
 */
public record CallSettings(Duration timeout, RetryPolicy retry, boolean interruptOnAbort, Duration killGrace,
                           Duration heartbeatTimeout) {
}
