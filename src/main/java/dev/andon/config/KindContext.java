package dev.andon.config;

import com.typesafe.config.Config;
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
 */
public record KindContext(Config config, Supplier<HttpClient> httpClient, Supplier<JdbcPools> jdbcPools) {

    /** A context whose calls run no pooled {@code jdbc} call (validation, tests). */
    public KindContext(Config config, Supplier<HttpClient> httpClient) {
        this(config, httpClient, () -> {
            throw new IllegalStateException("no JDBC pools where this call was built");
        });
    }
}
