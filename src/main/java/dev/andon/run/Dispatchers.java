package dev.andon.run;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import java.util.Optional;

/**
 * The one rule for which dispatcher a job's calls may run on, whoever made the job (the catalog,
 * {@code POST /runs}, the Java API): each returns the problem as one line a user can act on, or
 * empty when there is none.
 */
public final class Dispatchers {
    private static final String BLOCKING_EXECUTOR = BlockingExecutorConfigurator.class.getName();

    /** Andon's own pools that run something else than calls, and what they run. */
    private static final java.util.Map<String, String> RESERVED = java.util.Map.of(
            "andon.abort-hook-dispatcher", "abort hooks",
            "andon.http.job-parser-dispatcher", "the service's parsing of posted jobs");

    private Dispatchers() {
    }

    /**
     * Why blocking calls may not run on the dispatcher at {@code path} of {@code config} (the
     * whole configuration): none is configured there, it is not a dispatcher, it is a fork-join
     * pool meant for actors, or it asks for virtual threads on a JVM without them.
     */
    public static Optional<String> problem(Config config, String path) {
        try {
            if (!config.hasPath(path)) return Optional.of("no dispatcher configured at \"" + path + "\"");
            if (!(config.getValue(path) instanceof ConfigObject o && o.containsKey("type"))) {
                // Akka would fall back to the default dispatcher's settings; Andon wants it said.
                return Optional.of("\"" + path + "\" is not a dispatcher (it has no type, e.g. type = Dispatcher)");
            }
            String reserved = RESERVED.get(path);
            if (reserved != null) {
                // A call blocking there would make what it serves wait: with the hook pool's few
                // threads held by deaf calls, every other run's aborts wait for their hooks.
                return Optional.of("\"" + path + "\" serves " + reserved + " alone; a job's calls may not run there");
            }
            if (runsActors(config, path)) {
                // Blocking calls there would hold the threads that actors (Andon's own, too) need.
                return Optional.of("\"" + path + "\" is a fork-join pool meant for actors; blocking calls need a thread "
                        + "pool (executor = \"" + BLOCKING_EXECUTOR + "\" or \"thread-pool-executor\")");
            }
            return VirtualThreads.problem(config, path);
        } catch (ConfigException.BadPath e) {
            return Optional.of("not a configuration path: \"" + path + "\"");
        }
    }

    /**
     * Why a job that anyone who may post one asked for may not run on the dispatcher at
     * {@code path}, beyond {@link #problem}: only Andon's own pools (its blocking executor, or
     * virtual threads) are open to it, since blocking calls on any other dispatcher (the actor
     * system's default one, say) could starve the actors themselves.
     */
    public static Optional<String> postedProblem(Config config, String path) {
        Optional<String> problem = problem(config, path);
        if (problem.isPresent()) return problem;
        String key = path + ".executor";
        String executor = config.hasPath(key) ? config.getString(key) : "";
        if (executor.equals(BLOCKING_EXECUTOR) || executor.equals(VirtualThreads.EXECUTOR)) return Optional.empty();
        return Optional.of("\"" + path + "\" is not a blocking dispatcher (executor = \"" + BLOCKING_EXECUTOR + "\")");
    }

    /** Andon's own dispatchers, which every Andon looks up (the blocking one is also every job's default). */
    public static final java.util.List<String> ANDONS_OWN = java.util.List.of("andon.blocking-dispatcher",
            "andon.abort-hook-dispatcher", "andon.actor-dispatcher", "andon.http.job-parser-dispatcher");

    /** A setting of a dispatcher that Akka or Andon would refuse when the dispatcher is first used. */
    public record SettingProblem(String path, String message) {
    }

    /**
     * The settings of the dispatcher at {@code path} that would make it fail when first looked up
     * (at the start of a run, long after {@code check}): a pool of no threads, a throughput of 0,
     * a value of the wrong type. Empty when there is no dispatcher there (see {@link #problem}).
     */
    public static java.util.List<SettingProblem> settingProblems(Config config, String path) {
        java.util.List<SettingProblem> problems = new java.util.ArrayList<>();
        if (!config.hasPath(path) || !(config.getValue(path) instanceof ConfigObject)) return problems;
        Config d = config.getConfig(path);
        atLeast(d, path, "throughput", 1, problems);
        String executor = d.hasPath("executor") ? d.getString("executor") : "default-executor";
        if (executor.equals(BLOCKING_EXECUTOR)) {
            if (!d.hasPath("pool-size")) problems.add(new SettingProblem(path + ".pool-size", "missing (required)"));
            atLeast(d, path, "pool-size", 1, problems);
        } else if (executor.equals("thread-pool-executor")) {
            atLeast(d, path, "thread-pool-executor.fixed-pool-size", 1, problems);
            atLeast(d, path, "thread-pool-executor.core-pool-size-min", 1, problems);
            atLeast(d, path, "thread-pool-executor.max-pool-size-min", 1, problems);
        } else if (executor.equals("fork-join-executor") || executor.equals("default-executor")) {
            atLeast(d, path, "fork-join-executor.parallelism-min", 1, problems);
            atLeast(d, path, "fork-join-executor.parallelism-max", 1, problems);
        }
        return problems;
    }

    private static void atLeast(Config d, String path, String key, int least, java.util.List<SettingProblem> problems) {
        if (!d.hasPath(key)) return;
        try {
            int v = d.getInt(key);
            if (v < least) problems.add(new SettingProblem(path + "." + key, "must be at least " + least + ", not " + v));
        } catch (ConfigException e) {
            problems.add(new SettingProblem(path + "." + key, "must be an integer, not " + d.getValue(key).render()));
        }
    }

    /** Whether the dispatcher at {@code path} runs on a fork-join pool (Akka's default executor). */
    private static boolean runsActors(Config config, String path) {
        String key = path + ".executor";
        String executor = config.hasPath(key) ? config.getString(key) : "default-executor";
        if (executor.equals("default-executor")) {
            String fallback = path + ".default-executor.fallback";
            executor = config.hasPath(fallback) ? config.getString(fallback) : "fork-join-executor";
        }
        return executor.equals("fork-join-executor") || executor.equals("affinity-pool-executor");
    }
}
