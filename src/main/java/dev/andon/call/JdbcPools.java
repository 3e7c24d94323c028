package dev.andon.call;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The connection pools of one Andon instance ({@code andon.jdbc.pools}), shared by every
 * {@code jdbc} call that names one with {@code pool = NAME}, across calls and runs.
 *
 * <h2>Lifecycle</h2>
 * A pool is a HikariCP pool ({@code andon-jdbc-NAME}) created when a call first asks for a
 * connection from it, with no connection opened before one is needed; the password is read from
 * its {@code password-env} then. {@link #close()} closes every pool (connections still in use
 * are aborted by HikariCP) and refuses connections from then on; the instance calls it at
 * shutdown once every run has acknowledged its aborts.
 *
 * <h2>Cancels</h2>
 * The instance's PostgreSQL statements, pooled or not, are cancelled through {@link PgCancels}:
 * one control connection per server and user, opened when a call first runs there and closed
 * after a minute unused or by {@link #close()}.
 *
 * <h2>Threading</h2>
 * Thread-safe. {@link #connection} blocks, on the call's thread, while it waits for a connection.
 */
public final class JdbcPools implements AutoCloseable {
    private final Function<String, String> environment;
    private final Map<String, HikariDataSource> pools = new HashMap<>(); // guarded by this
    private boolean closed;                                               // guarded by this
    private final PgCancels cancels = new PgCancels(JdbcCall.CANCELLERS);

    /** @param environment reads an environment variable ({@code System::getenv}) */
    public JdbcPools(Function<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /**
     * A connection from the pool {@code settings} describes (created now if it is the first
     * request); the caller closes it to give it back.
     *
     * @throws JdbcFailedException if no connection could be had, in one line that names the pool
     */
    public Connection connection(JdbcPoolSettings settings) throws JdbcFailedException {
        HikariDataSource pool = pool(settings);
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw JdbcFailedException.connect(settings.where(), e);
        }
    }

    /**
     * A connection of its own to the server of the pool {@code settings} describes, as its user
     * (the control connection a pool's cancels go through); the caller closes it.
     */
    Connection unpooled(JdbcPoolSettings settings) throws JdbcFailedException {
        synchronized (this) {
            if (closed) throw JdbcFailedException.connect(settings.where(), "its pool is closed: Andon is shutting down");
        }
        return JdbcCall.direct(settings.url(), settings.user(), settings.passwordEnv(), environment).open();
    }

    /** How this instance's PostgreSQL statements are cancelled together. */
    PgCancels cancels() {
        return cancels;
    }

    private synchronized HikariDataSource pool(JdbcPoolSettings settings) throws JdbcFailedException {
        if (closed) throw JdbcFailedException.connect(settings.where(), "its pool is closed: Andon is shutting down");
        HikariDataSource pool = pools.get(settings.name());
        if (pool != null) return pool;
        HikariConfig config = new HikariConfig();
        config.setPoolName("andon-jdbc-" + settings.name());
        config.setJdbcUrl(settings.url());
        if (settings.user() != null) config.setUsername(settings.user());
        if (settings.passwordEnv() != null) {
            String password = environment.apply(settings.passwordEnv());
            if (password == null) {
                throw JdbcFailedException.connect(settings.where(),
                        "the environment variable " + settings.passwordEnv() + " (its password-env) is not set");
            }
            config.setPassword(password);
        }
        config.setMaximumPoolSize(settings.maximumPoolSize());
        // Opened on demand: a catalog's pools cost nothing until a call uses one, and a database
        // that is down fails the calls that need it (each with the reason), not Andon's start.
        config.setMinimumIdle(0);
        config.setInitializationFailTimeout(-1);
        config.setConnectionTimeout(settings.connectionTimeout().toMillis());
        pool = new HikariDataSource(config);
        pools.put(settings.name(), pool);
        return pool;
    }

    /** Closes every pool; connections asked for afterwards are refused. Idempotent. */
    @Override
    public void close() {
        List<HikariDataSource> open;
        synchronized (this) {
            closed = true;
            open = new ArrayList<>(pools.values());
            pools.clear();
        }
        for (HikariDataSource pool : open) pool.close();
        cancels.close();
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed;
    }
}
