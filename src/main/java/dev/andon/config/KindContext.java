package dev.andon.config;

import com.typesafe.config.Config;
import java.net.http.HttpClient;
import java.util.function.Supplier;

/**
 * What kinds share within one Andon instance.
 *
 * @param config     the whole resolved configuration (reference.conf included)
 * @param httpClient the instance's one shared HTTP client, created on first use
 */
public record KindContext(Config config, Supplier<HttpClient> httpClient) {
}
