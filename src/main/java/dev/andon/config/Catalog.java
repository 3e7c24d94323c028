package dev.andon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.andon.call.BlockingCall;
import dev.andon.run.BlockingExecutorConfigurator;
import dev.andon.run.CallSpec;
import dev.andon.run.Dispatchers;
import dev.andon.run.FailurePolicy;
import dev.andon.run.JobDefaults;
import dev.andon.run.JobSpec;
import dev.andon.run.RetryPolicy;
import dev.andon.schedule.ScheduleSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The job catalog: every {@code andon.jobs.<name>} of a configuration, validated and built into
 * {@link JobSpec}s.
 *
 * <h2>Validation</h2>
 * {@link #load} reports <em>every</em> problem of the configuration to a {@link Problems}, each with
 * file, line and full path ({@code conf/jobs.conf:14: andon.jobs.demo.calls[2].duration: ...}):
 * unknown keys (under {@code andon} and its sections, compared with {@code reference.conf}, and in
 * jobs, calls and {@code retry}), wrong types, bad durations, values out of range, missing or empty
 * {@code calls}, duplicate call names, unknown kinds, and whatever each kind's
 * {@link KindParser} finds. A job with a problem is left out of the catalog; a caller should refuse
 * the whole configuration when {@link Problems#isEmpty()} is false.
 *
 * <h2>Defaults</h2>
 * Settings are layered: {@code andon.job-defaults} (from {@code reference.conf}, overridable like
 * any setting), then the job's own, then, for the call-level settings ({@code timeout},
 * {@code retry}, {@code interrupt-on-abort}, {@code kill-grace}), the call's own. Within
 * {@code retry} each key is layered on its own, so a job may set {@code retry.attempts} alone.
 *
 * <h2>Threading</h2>
 * A {@code Catalog} is immutable and thread-safe; {@link #load} and {@link #parseJob} are pure
 * functions of their arguments apart from the problems they add.
 */
public final class Catalog {
    /** Where the jobs are. */
    public static final String JOBS_PATH = "andon.jobs";
    /** Where the job and call defaults are. */
    public static final String DEFAULTS_PATH = JobDefaults.PATH;

    /**
     * What a job or call name may look like, wherever a job is parsed: names go on the command
     * line, into URLs, logs, metrics and the store. Not starting with {@code -}, {@code _} or
     * {@code .}, so that a name is never taken for an option, nor for {@code .} or {@code ..} in a path.
     */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    /** What {@link #nameProblem} says is wrong with a name. */
    public static final String NAME_RULE = "letters, digits, -, _ and . only, at most 128 characters, "
            + "starting with a letter or digit";

    /**
     * The problem with {@code name} as a job or call name, or {@code null} when it is a good one.
     */
    public static String nameProblem(String name) {
        if (NAME.matcher(name).matches()) return null;
        String shown = name.length() <= 40 ? name : name.substring(0, 40) + "...";
        return "not a valid name: \"" + printable(shown) + "\" (" + NAME_RULE + ")";
    }

    // A name is shown back to whoever wrote it: control characters, NULs included, as \\uXXXX.
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            if (Character.isISOControl(c) || c == 0xFFFD) b.append(String.format("\\u%04x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }

    private static final Set<String> CALL_SETTING_KEYS = Set.of("timeout", "heartbeat-timeout", "retry",
            "interrupt-on-abort", "kill-grace");
    private static final Set<String> JOB_SETTING_KEYS = Set.of("failure-policy", "max-parallelism", "abort-grace",
            "deadline", "dispatcher");
    private static final Set<String> RETRY_KEYS = Set.of("attempts", "backoff", "max-backoff", "on");
    private static final Set<String> DEFAULTS_KEYS = union(JOB_SETTING_KEYS, CALL_SETTING_KEYS);
    static final Set<String> JOB_KEYS = union(DEFAULTS_KEYS, Set.of("calls", "description", "schedule", "on-interrupted"));
    static final Set<String> CALL_KEYS = union(CALL_SETTING_KEYS, Set.of("name", "kind"));

    /**
     * One job of the catalog.
     *
     * @param name        its name, {@code andon.jobs.<name>}
     * @param description its {@code description}, or {@code null}
     * @param spec        what to submit to run it
     * @param schedule    when the service fires it ({@code schedule}), or {@code null}
     */
    public record Entry(String name, String description, JobSpec spec, ScheduleSpec schedule) {
        /** A job without a schedule. */
        public Entry(String name, String description, JobSpec spec) {
            this(name, description, spec, null);
        }
    }

    private final Map<String, Entry> entries;
    private final Kinds kinds;

    private Catalog(Map<String, Entry> entries, Kinds kinds) {
        this.kinds = kinds;
        this.entries = Collections.unmodifiableMap(new TreeMap<>(entries));
    }

    /** The jobs, by name, sorted. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** The job named {@code name}, if the catalog has it. */
    public Optional<Entry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** The kinds its calls could have: what a job given on its own (posted) may use too. */
    public Kinds kinds() {
        return kinds;
    }

    /** The job names, sorted. */
    public Set<String> names() {
        return entries.keySet();
    }

    /** {@link #load(Config, KindContext, Problems)} with {@code kinds} instead of the context's own. */
    public static Catalog load(Config config, KindContext ctx, Kinds kinds, Problems problems) {
        return load(config, ctx.withKinds(kinds), problems);
    }

    /**
     * Validates {@code config} and builds its catalog.
     *
     * @param config   the whole resolved configuration, reference.conf included
     * @param ctx      the kinds a call may have, and what they may use
     * @param problems where every problem goes
     * @return the jobs that have no problem (all of them when {@code problems} stayed empty)
     */
    public static Catalog load(Config config, KindContext ctx, Problems problems) {
        Kinds kinds = ctx.kinds();
        ConfigObject andon = objectAt(config, "andon", problems);
        if (andon == null) return new Catalog(Map.of(), kinds);
        SettingsCheck.check(andon, problems);

        JdbcKind.checkPools(config, problems);
        Layer defaults = readDefaults(config, problems);
        ScheduleParser.Defaults scheduleDefaults = ScheduleParser.readDefaults(config, problems);
        ConfigObject jobsObject = objectAt(config, JOBS_PATH, problems);
        if (jobsObject == null) return new Catalog(Map.of(), kinds);
        ConfigBlock jobs = new ConfigBlock(jobsObject.toConfig(), JOBS_PATH, jobsObject.origin(), problems);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Set<String> allKinds = kinds.names();
        Set<String> warnedDefaults = new HashSet<>();
        // Andon's own dispatchers and every job's, checked once each as Akka will read them.
        Set<String> dispatchers = new TreeSet<>(Dispatchers.ANDONS_OWN);
        for (String name : jobs.keys()) {
            String bad = nameProblem(name);
            if (bad != null) {
                jobs.problem(name, "a job name is " + NAME_RULE);
                continue;
            }
            ConfigBlock job = jobs.object(name);
            if (job == null) continue;
            JobSpec spec = parseJob(name, job, defaults, ctx, kinds, allKinds);
            if (spec != null) warnAboveThePool(job, spec, config, warnedDefaults, problems);
            if (spec != null) dispatchers.add(spec.dispatcher());
            int before = problems.size();
            ConfigBlock scheduleBlock = job.object("schedule");
            ScheduleSpec schedule = scheduleBlock == null ? null : ScheduleParser.parse(scheduleBlock, scheduleDefaults);
            if (spec != null && problems.size() == before)
                entries.put(name, new Entry(name, job.string("description"), spec, schedule));
        }
        for (String d : dispatchers) {
            for (Dispatchers.SettingProblem p : Dispatchers.settingProblems(config, d))
                problems.add(config.hasPath(p.path()) ? config.getValue(p.path()).origin() : null, p.path(), p.message());
        }
        return new Catalog(entries, kinds);
    }

    /**
     * Warns, once per place that sets it, of a max-parallelism above the pool-size of the job's
     * dispatcher: it works, but no more calls run at once than the pool has threads.
     */
    private static void warnAboveThePool(ConfigBlock job, JobSpec spec, Config config, Set<String> warned,
                                         Problems problems) {
        int pool = BlockingExecutorConfigurator.poolSize(config, spec.dispatcher());
        if (pool < 1 || spec.maxParallelism() <= pool) return;
        String message = spec.maxParallelism() + " is above the pool-size of " + spec.dispatcher() + " (" + pool
                + "): at most " + pool + " calls run at once";
        if (job.has("max-parallelism")) {
            problems.warn(job.originOf("max-parallelism"), job.pathOf("max-parallelism"), message);
        } else if (warned.add(spec.dispatcher())) {
            String path = DEFAULTS_PATH + ".max-parallelism";
            problems.warn(config.getValue(path).origin(), path, message + " (for every job that does not set its own)");
        }
    }

    /**
     * Validates and builds one job given on its own, as the HTTP service receives it: the same
     * rules as for a catalog job, with the defaults of {@code ctx.config()}.
     *
     * @param name         the job's name
     * @param jobConfig    the job's block: {@code calls} and the job's settings; a {@code name}
     *                     key is an unknown key here (remove it first if the caller allows it)
     * @param pathPrefix   what problem paths start with: {@code andon.jobs.x}, or {@code ""} for
     *                     paths like {@code calls[1].duration}
     * @param problems     where every problem goes
     * @param ctx          what the kinds may use; its config gives {@code andon.job-defaults}
     * @param allowedKinds the kinds allowed here (e.g. without {@code command}); others are problems
     * @return the job, or {@code null} when a problem was found
     */
    public static JobSpec parseJob(String name, Config jobConfig, String pathPrefix, Problems problems, KindContext ctx,
                                   Set<String> allowedKinds) {
        Layer defaults = readDefaults(ctx.config(), problems);
        ConfigBlock job = new ConfigBlock(jobConfig, pathPrefix, jobConfig.origin(), problems);
        // The service fires only the catalog's schedules; a posted job runs once, now.
        if (job.has("schedule")) job.problem("schedule", "only a catalog job may have a schedule; a posted job runs once");
        JobSpec spec = parseJob(name, job, defaults, ctx, ctx.kinds(), allowedKinds);
        return job.has("schedule") ? null : spec;
    }

    private static JobSpec parseJob(String name, ConfigBlock job, Layer defaults, KindContext ctx, Kinds kinds,
                                    Set<String> allowedKinds) {
        Problems problems = job.problems();
        int before = problems.size();
        job.rejectUnknownKeys(JOB_KEYS);
        job.string("description");
        Layer settings = defaults.copy();
        settings.readJobSettings(job, ctx.config());
        settings.readCallSettings(job);

        List<CallSpec> calls = new ArrayList<>();
        List<ConfigBlock> callBlocks = job.require("calls") ? job.objects("calls") : null;
        if (callBlocks != null && callBlocks.isEmpty() && problems.size() == before) {
            job.problem("calls", "must not be empty: a job needs at least one call");
        }
        Map<String, String> seen = new HashMap<>();
        for (ConfigBlock call : callBlocks == null ? List.<ConfigBlock>of() : callBlocks) {
            CallSpec spec = parseCall(call, settings, seen, ctx, kinds, allowedKinds);
            if (spec != null) calls.add(spec);
        }
        String onInterrupted = job.string("on-interrupted");
        if (onInterrupted != null && !onInterrupted.equals("mark") && !onInterrupted.equals("rerun"))
            job.problem("on-interrupted", "must be mark or rerun, not \"" + onInterrupted + "\"");
        if (problems.size() > before) return null;
        return new JobSpec(name, calls, settings.failurePolicy, settings.maxParallelism, settings.abortGrace,
                settings.deadline.orElse(null), settings.dispatcher, source(job.config(), ctx.config()));
    }

    /** The job as configured, with {@code andon.job-defaults} filled in: what a rerun runs again. */
    private static JobSpec.Source source(Config job, Config whole) {
        Config defaults = whole.hasPath(DEFAULTS_PATH) ? whole.getConfig(DEFAULTS_PATH) : ConfigFactory.empty();
        try {
            return new JobSpec.Source(job.withFallback(defaults).root().render(ConfigRenderOptions.concise()), false);
        } catch (ConfigException e) {
            return null; // not resolvable on its own: such a job's runs cannot be rerun from the store
        }
    }

    private static CallSpec parseCall(ConfigBlock call, Layer jobSettings, Map<String, String> seen, KindContext ctx,
                                      Kinds kinds, Set<String> allowedKinds) {
        Problems problems = call.problems();
        int before = problems.size();
        String name = call.require("name") ? call.string("name") : null;
        String badName = name == null ? null : nameProblem(name);
        if (badName != null) {
            call.problem("name", badName);
        } else if (name != null) {
            String other = seen.putIfAbsent(name, call.path());
            if (other != null) call.problem("name", "duplicate call name \"" + name + "\" (also at " + other + ")");
        }
        String kind = call.require("kind") ? call.string("kind") : null;
        KindParser parser = kind == null ? null : kinds.get(kind);
        if (kind != null && (parser == null || !allowedKinds.contains(kind))) {
            Set<String> allowed = new TreeSet<>(kinds.names());
            allowed.retainAll(allowedKinds);
            call.problem("kind", (parser == null ? "unknown kind \"" : "kind not allowed here: \"") + kind
                    + "\"; kinds: " + String.join(", ", allowed));
            parser = null;
        }
        Layer settings = jobSettings.copy();
        settings.readCallSettings(call);
        // Without a known kind, which keys are unknown cannot be told: only the kind is reported.
        if (parser == null) return null;
        call.rejectUnknownKeys(union(CALL_KEYS, parser.keys()));
        BlockingCall<?> blocking = parser.parse(call, settings.callSettings(), ctx);
        if (blocking == null || problems.size() > before) return null;
        Config own = parser.keys().contains("config") && call.config().root().get("config") instanceof ConfigObject o
                ? o.toConfig() : ConfigFactory.empty();
        CallSettings cs = settings.callSettings();
        return new CallSpec(name, kind, blocking, cs.timeout(), cs.retry(), cs.interruptOnAbort(), own,
                cs.heartbeatTimeout());
    }

    private static Layer readDefaults(Config config, Problems problems) {
        // reference.conf's own defaults are the floor: a bad override is reported, and the
        // reference value stands in for it so that the jobs can still be checked.
        Layer layer = Layer.of(JobDefaults.reference());

        ConfigObject object = objectAt(config, DEFAULTS_PATH, problems);
        if (object == null) return layer;
        ConfigBlock defaults = new ConfigBlock(object.toConfig(), DEFAULTS_PATH, object.origin(), problems);
        defaults.rejectUnknownKeys(DEFAULTS_KEYS);
        layer.readJobSettings(defaults, config);
        layer.readCallSettings(defaults);
        return layer;
    }

    /** The object at {@code path}, or null (with a problem if something else is there). */
    private static ConfigObject objectAt(Config config, String path, Problems problems) {
        if (!config.hasPathOrNull(path)) return null;
        ConfigValue v = config.getValue(path);
        if (v.valueType() == ConfigValueType.OBJECT) return (ConfigObject) v;
        problems.add(v.origin(), path, "must be an object { ... }");
        return null;
    }

    @SafeVarargs
    private static Set<String> union(Set<String>... sets) {
        Set<String> all = new TreeSet<>();
        for (Set<String> s : sets) all.addAll(s);
        return Collections.unmodifiableSet(all);
    }

    /**
     * Settings as they are layered: each read overwrites only what its block sets validly, so that
     * a value is never missing (a bad one is reported and the layer below stands in).
     */
    private static final class Layer {
        FailurePolicy failurePolicy;
        int maxParallelism;
        Duration abortGrace;
        Optional<Duration> deadline = Optional.empty();
        String dispatcher = JobSpec.DEFAULT_DISPATCHER;
        Optional<Duration> timeout = Optional.empty();
        Optional<Duration> heartbeatTimeout = Optional.empty();
        int attempts;
        Duration backoff;
        Duration maxBackoff;
        List<String> retryOn = List.of();
        boolean interruptOnAbort;
        Duration killGrace;

        static Layer of(JobDefaults d) {
            Layer l = new Layer();
            l.failurePolicy = d.failurePolicy();
            l.maxParallelism = d.maxParallelism();
            l.abortGrace = d.abortGrace();
            l.deadline = Optional.ofNullable(d.deadline());
            l.dispatcher = d.dispatcher();
            l.timeout = Optional.ofNullable(d.timeout());
            l.heartbeatTimeout = Optional.ofNullable(d.heartbeatTimeout());
            l.attempts = d.retry().attempts();
            l.backoff = d.retry().backoff();
            l.maxBackoff = d.retry().maxBackoff();
            l.retryOn = d.retry().on();
            l.interruptOnAbort = d.interruptOnAbort();
            l.killGrace = d.killGrace();
            return l;
        }

        Layer copy() {
            Layer c = new Layer();
            c.failurePolicy = failurePolicy;
            c.maxParallelism = maxParallelism;
            c.abortGrace = abortGrace;
            c.deadline = deadline;
            c.dispatcher = dispatcher;
            c.timeout = timeout;
            c.heartbeatTimeout = heartbeatTimeout;
            c.attempts = attempts;
            c.backoff = backoff;
            c.maxBackoff = maxBackoff;
            c.retryOn = retryOn;
            c.interruptOnAbort = interruptOnAbort;
            c.killGrace = killGrace;
            return c;
        }

        CallSettings callSettings() {
            return new CallSettings(timeout.orElse(null), new RetryPolicy(attempts, backoff, maxBackoff, retryOn),
                    interruptOnAbort, killGrace, heartbeatTimeout.orElse(null));
        }

        void readJobSettings(ConfigBlock b, Config whole) {
            String policy = b.string("failure-policy");
            if (policy != null) {
                FailurePolicy p = FailurePolicy.fromConfigName(policy);
                if (p != null) failurePolicy = p;
                else b.problem("failure-policy", "must be fail-fast or all-settled, not \"" + policy + "\"");
            }
            Integer parallelism = b.integer("max-parallelism", 1);
            if (parallelism != null) maxParallelism = parallelism;
            Duration grace = b.duration("abort-grace", ConfigBlock.Range.NON_NEGATIVE);
            if (grace != null) abortGrace = grace;
            Optional<Duration> limit = b.durationOrOff("deadline", ConfigBlock.Range.POSITIVE);
            if (limit != null) deadline = limit;
            String d = b.string("dispatcher");
            if (d != null && checkDispatcher(b, d, whole)) dispatcher = d;
        }

        void readCallSettings(ConfigBlock b) {
            Optional<Duration> t = b.durationOrOff("timeout", ConfigBlock.Range.POSITIVE);
            if (t != null) timeout = t;
            Optional<Duration> h = b.durationOrOff("heartbeat-timeout", ConfigBlock.Range.POSITIVE);
            if (h != null) heartbeatTimeout = h;
            Boolean interrupt = b.bool("interrupt-on-abort");
            if (interrupt != null) interruptOnAbort = interrupt;
            Duration kill = b.duration("kill-grace", ConfigBlock.Range.NON_NEGATIVE);
            if (kill != null) killGrace = kill;
            ConfigBlock retry = b.object("retry");
            if (retry == null) return;
            retry.rejectUnknownKeys(RETRY_KEYS);
            Integer a = retry.integer("attempts", 1);
            if (a != null) attempts = a;
            Duration first = retry.duration("backoff", ConfigBlock.Range.NON_NEGATIVE);
            if (first != null) backoff = first;
            Duration longest = retry.duration("max-backoff", ConfigBlock.Range.NON_NEGATIVE);
            if (longest != null) maxBackoff = longest;
            List<String> on = retry.strings("on");
            if (on != null) retryOn = on;
        }

        private static boolean checkDispatcher(ConfigBlock b, String path, Config whole) {
            Optional<String> problem = Dispatchers.problem(whole, path);
            problem.ifPresent(p -> b.problem("dispatcher", p));
            return problem.isEmpty();
        }
    }
}
