package dev.andon.run;

import com.typesafe.config.Config;
import dev.andon.call.BlockingCall;
import java.time.Duration;
import java.util.Objects;

/**
 * One call of a job: its name, what it runs, and its call-level settings.
 *
 * @param name             unique within its job
 * @param kind             {@code sleep}, {@code command}, {@code http}, {@code class}, or {@code java}
 *                         for a lambda given through the Java API
 * @param call             what runs on the blocking dispatcher
 * @param timeout          the call's own timeout over all its attempts, or {@code null} for none
 * @param retry            how failures are retried; {@link RetryPolicy#NONE} for no retry
 * @param interruptOnAbort whether abort interrupts the call's thread
 * @param config           the call's own configuration, seen through {@code WorkContext.config()}
 * @param heartbeatTimeout how long an attempt may go without a heartbeat ({@code WorkContext.progress},
 *                         {@code heartbeat}, {@code output}) before it is aborted as timed out, or
 *                         {@code null} for no limit
 */
public record CallSpec(String name, String kind, BlockingCall<?> call, Duration timeout,
                       RetryPolicy retry, boolean interruptOnAbort, Config config, Duration heartbeatTimeout) {
    public CallSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(call, "call");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(config, "config");
        if (timeout != null && (timeout.isNegative() || timeout.isZero()))
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        if (heartbeatTimeout != null && (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero()))
            throw new IllegalArgumentException("heartbeatTimeout must be positive: " + heartbeatTimeout);
    }

    /** A call without a heartbeat limit. */
    public CallSpec(String name, String kind, BlockingCall<?> call, Duration timeout, RetryPolicy retry,
                    boolean interruptOnAbort, Config config) {
        this(name, kind, call, timeout, retry, interruptOnAbort, config, null);
    }

    /** A call given as a lambda, with the call-level defaults of Andon's own {@code reference.conf}. */
    public static CallSpec of(String name, BlockingCall<?> call) {
        return JobDefaults.reference().call(name, call);
    }

    public CallSpec withTimeout(Duration timeout) {
        return new CallSpec(name, kind, call, timeout, retry, interruptOnAbort, config, heartbeatTimeout);
    }

    /** This call, aborted as {@code TIMED_OUT} when it goes {@code heartbeatTimeout} without a heartbeat ({@code null}: never). */
    public CallSpec withHeartbeatTimeout(Duration heartbeatTimeout) {
        return new CallSpec(name, kind, call, timeout, retry, interruptOnAbort, config, heartbeatTimeout);
    }

    public CallSpec withRetry(RetryPolicy retry) {
        return new CallSpec(name, kind, call, timeout, retry, interruptOnAbort, config, heartbeatTimeout);
    }

    public CallSpec withInterruptOnAbort(boolean interruptOnAbort) {
        return new CallSpec(name, kind, call, timeout, retry, interruptOnAbort, config, heartbeatTimeout);
    }
}
