package dev.andon.config;

import dev.andon.run.RetryPolicy;
import java.time.Duration;

/** A call's effective call-level settings, after its job's defaults were applied. */
public record CallSettings(Duration timeout, RetryPolicy retry, boolean interruptOnAbort, Duration killGrace) {
}
