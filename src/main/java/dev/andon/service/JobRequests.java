package dev.andon.service;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import dev.andon.run.Dispatchers;
import dev.andon.run.JobSpec;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns the body of {@code POST /runs} into a {@link JobSpec}: JSON is HOCON, so the catalog's own
 * validator checks it, with paths such as {@code calls[1].duration}; the service adds its limits.
 *
 * <p>Thread-safe and stateless apart from its settings.
 */
final class JobRequests {
    /** The name of a posted job without one. */
    static final String DEFAULT_NAME = "inline";

    /** What a request body made: a job, or why not. */
    sealed interface Parsed {
    }

    record Valid(JobSpec job) implements Parsed {
    }

    /** The body is not JSON (or not a JSON object). */
    record Malformed(String detail) implements Parsed {
    }

    /** The body is a job with problems, each naming its field; {@code omitted} more were only counted. */
    record Invalid(List<Problems.Problem> problems, int omitted) implements Parsed {
        Invalid(Problems problems) {
            this(problems.list(), problems.omitted());
        }
    }

    private final KindContext kinds;
    private final ServiceSettings settings;
    private final Set<String> allowedKinds;

    /**
     * @param kinds    the catalog's context; posted jobs get it with their http calls restricted to
     *                 {@code settings.inlineHttp()}, through a client that follows no redirect
     * @param settings the service's settings
     */
    /** What a posted job's calls are built with: http calls only to the allowed hosts. */
    KindContext postedContext() {
        return kinds;
    }

    /** The kinds a posted job may have. */
    Set<String> allowedKinds() {
        return allowedKinds;
    }

    JobRequests(KindContext kinds, ServiceSettings settings) {
        this.kinds = kinds.restrictedHttp(settings.inlineHttp(), new NoRedirectClient(kinds));
        this.settings = settings;
        Set<String> allowed = new TreeSet<>(kinds.kinds().names());
        if (!settings.allowInlineCommands()) allowed.remove("command");
        // SQL from a request would run with the credentials of the catalog's pools, or reach any
        // database the service's host can: jdbc calls come from the catalog only.
        allowed.remove("jdbc");
        this.allowedKinds = Set.copyOf(allowed);
    }

    /** Deeper than any job is; a recursive parser must never see more (it would overflow its stack). */
    static final int MAX_NESTING = 64;

    Parsed parse(String body) {
        String tooDeep = nestingProblem(body);
        if (tooDeep != null) return new Malformed(tooDeep);
        Config job;
        try {
            job = ConfigFactory.parseString(body,
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON).setOriginDescription("request body"));
        } catch (ConfigException e) {
            if (body.stripLeading().startsWith("[")) return new Malformed("the body must be a JSON object (a job), not an array");
            return new Malformed(e.getMessage().replaceFirst("^request body: (\\d+): ", "line $1: "));
        }
        Problems problems = new Problems(settings.maxProblems());
        String name = name(job, problems);
        ConfigValue calls = job.root().get("calls");
        if (calls != null && calls.valueType() == ConfigValueType.LIST
                && ((List<?>) calls.unwrapped()).size() > settings.maxCallsPerRun()) {
            problems.add(calls.origin(), "calls", ((List<?>) calls.unwrapped()).size() + " calls; at most "
                    + settings.maxCallsPerRun() + " per run (" + ServiceSettings.PATH + ".max-calls-per-run)");
            return new Invalid(problems);
        }
        JobSpec spec = Catalog.parseJob(name, job.withoutPath("name"), "", problems, kinds, allowedKinds);
        if (spec != null) checkDispatcher(spec, job, problems);
        if (!problems.isEmpty()) return new Invalid(problems);
        return new Valid(spec.source() == null ? spec : spec.withSource(new JobSpec.Source(spec.source().json(), true)));
    }

    /**
     * Checks the body's nesting with Jackson's streaming parser, which keeps no stack of its own:
     * HOCON's parser is recursive, and a body of some thousands of {@code [} would overflow its
     * thread's stack — a fatal error that takes the whole JVM down. Malformed JSON is left for
     * the HOCON parser to describe (so that the message is the same as for files).
     *
     * @return the problem, or {@code null} if the nesting is acceptable
     */
    static String nestingProblem(String body) {
        try (JsonParser p = NESTING.createParser(body)) {
            int depth = 0;
            for (JsonToken t; (t = p.nextToken()) != null; ) {
                if (t == JsonToken.START_ARRAY || t == JsonToken.START_OBJECT) {
                    if (++depth > MAX_NESTING)
                        return "line " + p.currentLocation().getLineNr() + ": nested deeper than " + MAX_NESTING + " levels";
                } else if (t == JsonToken.END_ARRAY || t == JsonToken.END_OBJECT) {
                    depth--;
                }
            }
            return null;
        } catch (IOException e) {
            return null; // not JSON: the HOCON parser says where and why
        }
    }

    private static final JsonFactory NESTING = new JsonFactory();

    /** Posted jobs' HTTP client, like the catalog's but never following a redirect; made on first use. */
    private static final class NoRedirectClient implements java.util.function.Supplier<java.net.http.HttpClient> {
        private final Config config;
        private volatile java.net.http.HttpClient client;

        NoRedirectClient(KindContext kinds) {
            this.config = kinds.config();
        }

        @Override
        public java.net.http.HttpClient get() {
            java.net.http.HttpClient c = client;
            if (c != null) return c;
            synchronized (this) {
                if (client == null) client = java.net.http.HttpClient.newBuilder()
                        .connectTimeout(config.getDuration("andon.http-client.connect-timeout"))
                        .followRedirects(java.net.http.HttpClient.Redirect.NEVER).build();
                return client;
            }
        }
    }

    private static String name(Config job, Problems problems) {
        ConfigValue v = job.root().get("name");
        if (v == null) return DEFAULT_NAME;
        if (v.valueType() != ConfigValueType.STRING) {
            problems.add(v.origin(), "name", "must be a string (" + Catalog.NAME_RULE + ")");
            return DEFAULT_NAME;
        }
        String bad = Catalog.nameProblem((String) v.unwrapped());
        if (bad == null) return (String) v.unwrapped();
        problems.add(v.origin(), "name", bad);
        return DEFAULT_NAME;
    }

    private void checkDispatcher(JobSpec spec, Config job, Problems problems) {
        Dispatchers.postedProblem(kinds.config(), spec.dispatcher()).ifPresent(p -> problems.add(
                job.root().get("dispatcher") == null ? null : job.root().get("dispatcher").origin(), "dispatcher", p));
    }
}
