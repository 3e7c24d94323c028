package dev.andon.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A job: its calls and its run-level policies. Built from the catalog by
 * {@code dev.andon.config.Catalog}, or in Java with {@link #builder(String)}.
 *
 * @param name           the job's name
 * @param calls          its calls, names unique, at least one
 * @param failurePolicy  fail-fast or all-settled
 * @param maxParallelism how many calls run at once, at least 1; the rest wait, queued
 * @param abortGrace     how long an aborted call may take to stop before it is {@code ABANDONED}
 * @param deadline       the whole run's time limit, or {@code null} for none
 * @param dispatcher     the config path of the dispatcher its calls run on
 * @param source         the job as it was configured, kept with its runs in the store so that
 *                       they can be rerun; {@code null} for a job built in Java
 */
public record JobSpec(String name, List<CallSpec> calls, FailurePolicy failurePolicy, int maxParallelism,
                      Duration abortGrace, Duration deadline, String dispatcher, Source source) {
    public static final String DEFAULT_DISPATCHER = "andon.blocking-dispatcher";

    /**
     * A configured job's own settings and calls, its defaults filled in, as JSON (HOCON can read
     * it back), and whether it was posted to the service rather than taken from the catalog.
     */
    public record Source(String json, boolean posted) {
        public Source {
            Objects.requireNonNull(json, "json");
        }
    }

    /** A job without a source (built in Java). */
    public JobSpec(String name, List<CallSpec> calls, FailurePolicy failurePolicy, int maxParallelism,
                   Duration abortGrace, Duration deadline, String dispatcher) {
        this(name, calls, failurePolicy, maxParallelism, abortGrace, deadline, dispatcher, null);
    }

    /** This job with {@code source}. */
    public JobSpec withSource(Source source) {
        return new JobSpec(name, calls, failurePolicy, maxParallelism, abortGrace, deadline, dispatcher, source);
    }

    public JobSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(failurePolicy, "failurePolicy");
        Objects.requireNonNull(abortGrace, "abortGrace");
        Objects.requireNonNull(dispatcher, "dispatcher");
        calls = List.copyOf(calls);
        if (calls.isEmpty()) throw new IllegalArgumentException("calls must not be empty");
        Set<String> names = new HashSet<>();
        for (CallSpec c : calls)
            if (!names.add(c.name())) throw new IllegalArgumentException("duplicate call name: " + c.name());
        if (maxParallelism < 1) throw new IllegalArgumentException("maxParallelism must be at least 1: " + maxParallelism);
        if (abortGrace.isNegative()) throw new IllegalArgumentException("abortGrace must not be negative: " + abortGrace);
        if (deadline != null && (deadline.isNegative() || deadline.isZero()))
            throw new IllegalArgumentException("deadline must be positive: " + deadline);
    }

    /**
     * A builder whose defaults are those of Andon's own {@code reference.conf}, whatever a
     * deployment overrides: for a job run outside any {@code Andon}. An {@code Andon}'s
     * {@code job(name)} starts from its configuration's {@code andon.job-defaults} instead.
     */
    public static Builder builder(String name) {
        return builder(name, JobDefaults.reference());
    }

    /** A builder whose job and calls start from {@code defaults}. */
    public static Builder builder(String name, JobDefaults defaults) {
        return new Builder(name, defaults);
    }

    /** Builds a {@link JobSpec} in Java, from the {@link JobDefaults} it was made with. */
    public static final class Builder {
        private final String name;
        private final JobDefaults defaults;
        private final List<CallSpec> calls = new ArrayList<>();
        private FailurePolicy failurePolicy;
        private int maxParallelism;
        private Duration abortGrace;
        private Duration deadline;
        private String dispatcher;

        private Builder(String name, JobDefaults defaults) {
            this.name = Objects.requireNonNull(name, "name");
            this.defaults = Objects.requireNonNull(defaults, "defaults");
            this.failurePolicy = defaults.failurePolicy();
            this.maxParallelism = defaults.maxParallelism();
            this.abortGrace = defaults.abortGrace();
            this.deadline = defaults.deadline();
            this.dispatcher = defaults.dispatcher();
        }

        /** Adds a call given as a lambda, with the defaults' call-level settings (timeout, retry, interrupt). */
        public Builder call(String callName, dev.andon.call.BlockingCall<?> call) {
            calls.add(defaults.call(callName, call));
            return this;
        }

        public Builder call(CallSpec spec) {
            calls.add(Objects.requireNonNull(spec, "spec"));
            return this;
        }

        public Builder failurePolicy(FailurePolicy p) {
            this.failurePolicy = p;
            return this;
        }

        public Builder maxParallelism(int n) {
            this.maxParallelism = n;
            return this;
        }

        public Builder abortGrace(Duration d) {
            this.abortGrace = d;
            return this;
        }

        public Builder deadline(Duration d) {
            this.deadline = d;
            return this;
        }

        public Builder dispatcher(String configPath) {
            this.dispatcher = configPath;
            return this;
        }

        public JobSpec build() {
            return new JobSpec(name, calls, failurePolicy, maxParallelism, abortGrace, deadline, dispatcher);
        }
    }
}
