package dev.andon.store;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The store's settings, read once from {@code andon.store} (every key is documented in
 * {@code reference.conf}).
 *
 * @param path the SQLite file, already resolved against {@code andon.home}
 */
public record StoreSettings(Kind kind, Path path, String url, String user, String passwordEnv, int poolSize,
                            Duration flushInterval, Duration busyTimeout, Duration connectTimeout,
                            Duration retryBackoff, Duration maxRetryBackoff, int maxRuns, Duration maxAge,
                            Duration retentionInterval) {

    /** The section these settings come from. */
    public static final String PATH = "andon.store";

    public enum Kind {
        SQLITE, POSTGRESQL, MEMORY;

        String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public StoreSettings {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(passwordEnv, "passwordEnv");
        if (poolSize < 2) throw new IllegalArgumentException("poolSize must be at least 2: " + poolSize);
        if (maxRuns < 1) throw new IllegalArgumentException("maxRuns must be at least 1: " + maxRuns);
        for (Duration d : new Duration[] {flushInterval, busyTimeout, connectTimeout, retryBackoff, maxRetryBackoff,
                maxAge, retentionInterval}) {
            if (d.isNegative()) throw new IllegalArgumentException("durations must not be negative: " + d);
        }
    }

    /**
     * Reads {@code andon.store} of {@code config} (the whole configuration, reference.conf included).
     *
     * @throws StoreException with one line when the kind is unknown or postgresql has no url
     */
    public static StoreSettings from(Config config) {
        Config c = config.getConfig(PATH);
        String kindName = c.getString("kind");
        Kind kind = switch (kindName) {
            case "sqlite" -> Kind.SQLITE;
            case "postgresql" -> Kind.POSTGRESQL;
            case "memory" -> Kind.MEMORY;
            default -> throw new StoreException(PATH + ".kind: must be sqlite, postgresql or memory, not \"" + kindName + "\"");
        };
        Path home = Path.of(config.hasPath("andon.home") ? config.getString("andon.home") : "");
        Path path = home.resolve(c.getString("path")).toAbsolutePath().normalize();
        String url = c.getString("url");
        if (kind == Kind.POSTGRESQL && !url.startsWith("jdbc:postgresql:"))
            throw new StoreException(PATH + ".url: kind = postgresql needs a url like \"jdbc:postgresql://host:5432/andon\""
                    + (url.isEmpty() ? "" : ", not \"" + url + "\""));
        return new StoreSettings(kind, path, url, c.getString("user"), c.getString("password-env"), c.getInt("pool-size"),
                c.getDuration("flush-interval"), c.getDuration("busy-timeout"), c.getDuration("connect-timeout"),
                c.getDuration("write-retry.backoff"), c.getDuration("write-retry.max-backoff"),
                c.getInt("retention.max-runs"), c.getDuration("retention.max-age"), c.getDuration("retention.interval"));
    }

    /** These settings with another kind (tests, benchmarks). */
    public StoreSettings withKind(Kind kind) {
        return new StoreSettings(kind, path, url, user, passwordEnv, poolSize, flushInterval, busyTimeout, connectTimeout,
                retryBackoff, maxRetryBackoff, maxRuns, maxAge, retentionInterval);
    }

    /** These settings with another retention (tests). */
    public StoreSettings withRetention(int maxRuns, Duration maxAge) {
        return new StoreSettings(kind, path, url, user, passwordEnv, poolSize, flushInterval, busyTimeout, connectTimeout,
                retryBackoff, maxRetryBackoff, maxRuns, maxAge, retentionInterval);
    }

    /** Where the store is, for messages: the file, the url, or "memory". */
    public String describe() {
        return switch (kind) {
            case SQLITE -> path.toString();
            case POSTGRESQL -> url;
            case MEMORY -> "memory";
        };
    }
}
