package dev.andon.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.call.BlockingCall;
import java.time.Duration;
import java.util.Objects;

/**
 * What a job and its calls get when they do not say: {@code andon.job-defaults} of a
 * configuration, read once (every key is documented in {@code reference.conf}). The catalog
 * layers a job's own settings over these; a job built in Java starts from them
 * ({@link JobSpec#builder(String, JobDefaults)}, or {@code Andon.job(name)} for the
 * deployment's).
 *
 * @param deadline   the run's time limit, or {@code null} for none
 * @param dispatcher the config path of the dispatcher calls run on
 * @param timeout    a call's own time limit, or {@code null} for none
 * @param killGrace  for {@code command} calls: from SIGTERM to SIGKILL
 * @param heartbeatTimeout how long a call may go without a heartbeat, or {@code null} for no limit
 */
public record JobDefaults(FailurePolicy failurePolicy, int maxParallelism, Duration abortGrace, Duration deadline,
                          String dispatcher, Duration timeout, RetryPolicy retry, boolean interruptOnAbort,
                          Duration killGrace, Duration heartbeatTimeout) {
    /** The section these defaults come from. */
    public static final String PATH = "andon.job-defaults";

    private static final JobDefaults REFERENCE = from(ConfigFactory.defaultReference());

    public JobDefaults {
        Objects.requireNonNull(failurePolicy, "failurePolicy");
        Objects.requireNonNull(abortGrace, "abortGrace");
        Objects.requireNonNull(dispatcher, "dispatcher");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(killGrace, "killGrace");
        if (maxParallelism < 1) throw new IllegalArgumentException("maxParallelism must be at least 1: " + maxParallelism);
        if (abortGrace.isNegative()) throw new IllegalArgumentException("abortGrace must not be negative: " + abortGrace);
        if (killGrace.isNegative()) throw new IllegalArgumentException("killGrace must not be negative: " + killGrace);
    }

    /**
     * Reads {@code andon.job-defaults} of {@code config} (the whole configuration, reference.conf
     * included).
     *
     * @throws com.typesafe.config.ConfigException if a value cannot be read as its kind
     * @throws IllegalArgumentException            if a value is out of range
     */
    public static JobDefaults from(Config config) {
        Config c = config.getConfig(PATH);
        String policy = c.getString("failure-policy");
        FailurePolicy failurePolicy = FailurePolicy.fromConfigName(policy);
        if (failurePolicy == null)
            throw new IllegalArgumentException(PATH + ".failure-policy must be fail-fast or all-settled, not \"" + policy + "\"");
        Config r = c.getConfig("retry");
        RetryPolicy retry = new RetryPolicy(r.getInt("attempts"), r.getDuration("backoff"), r.getDuration("max-backoff"),
                r.getStringList("on"));
        return new JobDefaults(failurePolicy, c.getInt("max-parallelism"), c.getDuration("abort-grace"),
                durationOrOff(c, "deadline"), c.hasPath("dispatcher") ? c.getString("dispatcher") : JobSpec.DEFAULT_DISPATCHER,
                durationOrOff(c, "timeout"), retry, c.getBoolean("interrupt-on-abort"), c.getDuration("kill-grace"),
                durationOrOff(c, "heartbeat-timeout"));
    }

    /** The defaults of Andon's own {@code reference.conf}, whatever a deployment says. */
    public static JobDefaults reference() {
        return REFERENCE;
    }

    /** A call given as a lambda, with these call-level settings. */
    public CallSpec call(String name, BlockingCall<?> call) {
        return new CallSpec(name, "java", call, timeout, retry, interruptOnAbort, ConfigFactory.empty(), heartbeatTimeout);
    }

    private static Duration durationOrOff(Config c, String key) {
        return c.getString(key).equals("off") ? null : c.getDuration(key);
    }
}
