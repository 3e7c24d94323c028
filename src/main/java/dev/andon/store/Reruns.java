package dev.andon.store;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValueFactory;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A new run of a stored run's job spec (not today's catalog): of its calls that did not succeed,
 * or of all of them. Used by {@code andon rerun}, {@code POST /runs/{id}/rerun} and recovery's
 * {@code on-interrupted = rerun}.
 */
public final class Reruns {
    private Reruns() {
    }

    /** Why a run cannot be rerun; the message is one line for the user. */
    public static final class NotRerunnable extends Exception {
        public NotRerunnable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The job to run again.
     *
     * @param all          every call, rather than only those that did not succeed
     * @param allowedKinds the kinds a call may have here (the service's rules for posted jobs,
     *                     when the stored one was posted)
     * @throws NotRerunnable when the run is live, has no stored spec, has nothing to rerun, or its
     *                       spec is not valid here (a dispatcher that is gone, say)
     */
    public static JobSpec spec(RunStore.StoredRun run, boolean all, KindContext ctx, Set<String> allowedKinds)
            throws NotRerunnable {
        if (!run.finished()) throw new NotRerunnable("run " + run.id() + " has not finished: it cannot be rerun yet");
        if (run.spec() == null)
            throw new NotRerunnable("run " + run.id() + " has no stored job spec (its job was built in Java): it cannot be rerun");
        Set<String> wanted = run.report().calls().stream()
                .filter(c -> all || c.status() != CallStatus.SUCCEEDED).map(CallReport::name).collect(Collectors.toSet());
        if (wanted.isEmpty())
            throw new NotRerunnable("every call of run " + run.id() + " succeeded: nothing to rerun (rerun --all runs them all)");
        Config spec;
        try {
            spec = ConfigFactory.parseString(run.spec(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)
                    .setOriginDescription("the stored spec of run " + run.id()));
        } catch (ConfigException e) {
            throw new NotRerunnable("run " + run.id() + ": its stored job spec cannot be read: " + e.getMessage());
        }
        List<? extends Config> calls = spec.getConfigList("calls").stream()
                .filter(c -> c.hasPath("name") && wanted.contains(c.getString("name"))).toList();
        Config job = spec.withValue("calls", ConfigValueFactory.fromIterable(calls.stream().map(Config::root).toList()));
        Problems problems = new Problems();
        JobSpec parsed = Catalog.parseJob(run.summary().job(), job, "", problems, ctx, allowedKinds);
        if (parsed == null || !problems.isEmpty()) {
            throw new NotRerunnable("run " + run.id() + ": its stored job spec is not valid here: "
                    + problems.list().stream().map(p -> p.path() + ": " + p.message()).collect(Collectors.joining("; ")));
        }
        return parsed.source() == null ? parsed : parsed.withSource(new JobSpec.Source(parsed.source().json(), run.posted()));
    }
}
