package dev.andon.config;

import com.typesafe.config.Config;
import dev.andon.call.HttpDestinations;
import dev.andon.call.JdbcPools;
import java.net.http.HttpClient;
import java.util.function.Supplier;

/**
 * What kinds share within one Andon instance.
 *
 * @param config     the whole resolved configuration (reference.conf included)
 * @param httpClient the instance's one shared HTTP client, created on first use
 * @param jdbcPools  the instance's JDBC connection pools ({@code andon.jdbc.pools}), asked for
 *                   when a pooled call first runs
 * @param httpDestinations where {@code http} calls may go, for a job that is less trusted than the
 *                   catalog (one posted to the service); {@code null}: anywhere
 */
public record KindContext(Config config, Supplier<HttpClient> httpClient, Supplier<JdbcPools> jdbcPools,
                          HttpDestinations httpDestinations) {

    /** A context for the catalog's jobs, written by the operator: their http calls go anywhere. */
    public KindContext(Config config, Supplier<HttpClient> httpClient, Supplier<JdbcPools> jdbcPools) {
        this(config, httpClient, jdbcPools, null);
    }

    /**
     * This context for a less trusted job: its http calls go only to {@code destinations}, through
     * {@code client}, which must not follow redirects (a redirect would go where no one checked).
     */
    public KindContext restrictedHttp(HttpDestinations destinations, Supplier<HttpClient> client) {
        return new KindContext(config, client, jdbcPools, java.util.Objects.requireNonNull(destinations, "destinations"));
    }

    /** A context whose calls run no pooled {@code jdbc} call (validation, tests). */
    public KindContext(Config config, Supplier<HttpClient> httpClient) {
        this(config, httpClient, () -> {
            throw new IllegalStateException("no JDBC pools where this call was built");
        });
    }
}
