package dev.andon.call;

import java.time.Duration;
import java.util.Objects;

/**
 * One pool of {@code andon.jdbc.pools}, as checked by the catalog.
 *
 * @param name              its name, {@code andon.jdbc.pools.<name>}
 * @param url               the JDBC URL
 * @param user              the user, or {@code null} for the driver's default (or one in the URL)
 * @param passwordEnv       the environment variable that holds the password, or {@code null} for none
 * @param maximumPoolSize   the most connections the pool holds
 * @param connectionTimeout how long a call waits for a free connection
 */
public record JdbcPoolSettings(String name, String url, String user, String passwordEnv, int maximumPoolSize,
                               Duration connectionTimeout) {
    public JdbcPoolSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(connectionTimeout, "connectionTimeout");
        if (maximumPoolSize < 1) throw new IllegalArgumentException("maximumPoolSize must be at least 1: " + maximumPoolSize);
    }

    /** What a connection failure says it tried: {@code pool main (jdbc:postgresql://db/shop as andon)}. */
    public String where() {
        return "pool " + name + " (" + JdbcCall.shown(url) + (user == null ? "" : " as " + user) + ")";
    }
}
