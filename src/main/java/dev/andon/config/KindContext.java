package dev.andon.config;

import com.typesafe.config.Config;
import dev.andon.call.HttpDestinations;
import dev.andon.call.JdbcPools;
import java.net.http.HttpClient;
import java.util.function.Supplier;

/**
 * What kinds share within one Andon instance, and which kinds there are: whatever parses a job
 * (the catalog, {@code POST /runs}) takes both from here, so the kinds an embedding application
 * registers reach every job.
 *
 * @param config     the whole resolved configuration (reference.conf included)
 * @param kinds      the kinds a call may have
 * @param httpClient the instance's one shared HTTP client, created on first use
 * @param jdbcPools  the instance's JDBC connection pools ({@code andon.jdbc.pools}), asked for
 *                   when a pooled call first runs
 * @param httpDestinations where {@code http} calls may go, for a job that is less trusted than the
 *                   catalog (one posted to the service); {@code null}: anywhere
 */
public record KindContext(Config config, Kinds kinds, Supplier<HttpClient> httpClient, Supplier<JdbcPools> jdbcPools,
                          HttpDestinations httpDestinations) {

    public KindContext {
        java.util.Objects.requireNonNull(config, "config");
        java.util.Objects.requireNonNull(kinds, "kinds");
        java.util.Objects.requireNonNull(httpClient, "httpClient");
        java.util.Objects.requireNonNull(jdbcPools, "jdbcPools");
    }

    /** A context with the built-in kinds. */
    public KindContext(Config config, Supplier<HttpClient> httpClient, Supplier<JdbcPools> jdbcPools,
                       HttpDestinations httpDestinations) {
        this(config, Kinds.standard(), httpClient, jdbcPools, httpDestinations);
    }

    /** This context with {@code kinds} instead of its own. */
    public KindContext withKinds(Kinds kinds) {
        return new KindContext(config, kinds, httpClient, jdbcPools, httpDestinations);
    }

    /** A context for the catalog's jobs, written by the operator: their http calls go anywhere. */
    public KindContext(Config config, Supplier<HttpClient> httpClient, Supplier<JdbcPools> jdbcPools) {
        this(config, httpClient, jdbcPools, null);
    }

    /**
     * Whether the job is less trusted than the catalog (posted to the service): its problems then
     * tell no more than its author needs, e.g. not whether a class exists on the classpath.
     */
    public boolean lessTrusted() {
        return httpDestinations != null;
    }

    /**
     * This context for a less trusted job: its http calls go only to {@code destinations}, through
     * {@code client}, which must not follow redirects (a redirect would go where no one checked).
     */
    public KindContext restrictedHttp(HttpDestinations destinations, Supplier<HttpClient> client) {
        return new KindContext(config, kinds, client, jdbcPools, java.util.Objects.requireNonNull(destinations, "destinations"));
    }

    /** A context whose calls run no pooled {@code jdbc} call (validation, tests). */
    public KindContext(Config config, Supplier<HttpClient> httpClient) {
        this(config, httpClient, () -> {
            throw new IllegalStateException("no JDBC pools where this call was built");
        });
    }
}
