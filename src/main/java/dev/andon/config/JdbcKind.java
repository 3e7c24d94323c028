package dev.andon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.andon.call.BlockingCall;
import dev.andon.call.JdbcCall;
import dev.andon.call.JdbcPoolSettings;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code jdbc} kind, one SQL statement (see {@link JdbcCall}):
 * <pre>{@code
 * { name = count, kind = jdbc, url = "jdbc:postgresql://db1:5432/shop", user = report, password-env = SHOP_PW,
 *   sql = "SELECT count(*) FROM orders WHERE placed > ?", params = ["2026-01-01"] }
 * { name = purge, kind = jdbc, pool = shop, sql = "DELETE FROM carts WHERE age > ?", params = [30], transaction = on }
 * }</pre>
 * {@code sql} is required, and either {@code url} (with {@code user} and {@code password-env}
 * as needed: a connection of the call's own) or {@code pool}, a pool declared under
 * {@code andon.jdbc.pools}. A {@code password} key is refused: a password is never written in
 * a file. {@code params} are strings, numbers, booleans or null; {@code max-rows} (at least 0,
 * default {@code andon.jdbc.max-rows}), {@code transaction} (on or off, default off) and
 * {@code fetch-size} (at least 1) are optional. A URL that no driver on the classpath accepts is
 * a problem here, at check.
 *
 * <p>The pools themselves are checked by {@link #checkPools} (once per configuration); a call
 * that names a pool with problems gets one problem of its own that points there.
 */
public final class JdbcKind implements KindParser {
    static final String POOLS = "andon.jdbc.pools";
    private static final String POOL_DEFAULTS = "andon.jdbc.pool-defaults";
    private static final Set<String> POOL_KEYS = Set.of("url", "user", "password-env", "password", "maximum-pool-size",
            "connection-timeout");
    private static final Pattern POOL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
    private static final Pattern PASSWORD_IN_URL = Pattern.compile("(?i)[?&;:]password=");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** HikariCP's own floor. */
    private static final Duration LEAST_CONNECTION_TIMEOUT = Duration.ofMillis(250);

    private final Function<String, String> environment;

    /** Reads passwords from the process's environment. */
    public JdbcKind() {
        this(System::getenv);
    }

    /** @param environment reads an environment variable when a call connects */
    public JdbcKind(Function<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    @Override
    public String kind() {
        return "jdbc";
    }

    @Override
    public Set<String> keys() {
        return Set.of("url", "user", "password-env", "password", "sql", "params", "max-rows", "transaction",
                "fetch-size", "pool", "heartbeat-from");
    }

    @Override
    public BlockingCall<?> parse(ConfigBlock b, CallSettings settings, KindContext ctx) {
        Problems problems = b.problems();
        int before = problems.size();
        refusePassword(b);
        JdbcCall.Connector connector;
        if (b.has("pool")) {
            for (String key : List.of("url", "user", "password-env")) {
                if (b.has(key)) b.problem(key, "comes from the call's pool; set it in " + POOLS + "."
                        + b.config().root().get("pool").unwrapped() + ", not on the call");
            }
            JdbcPoolSettings pool = pool(b, ctx.config());
            connector = pool == null ? null : JdbcCall.pooled(pool, ctx.jdbcPools());
        } else {
            String url = b.require("url") ? url(b) : null;
            String user = b.string("user");
            String passwordEnv = variable(b);
            connector = url == null ? null : JdbcCall.direct(url, user, passwordEnv, environment, ctx.jdbcPools());
        }
        String sql = b.require("sql") ? b.string("sql") : null;
        if (sql != null && sql.isBlank()) b.problem("sql", "must not be empty");
        List<Object> params = params(b);
        Integer maxRows = b.has("max-rows") ? b.integer("max-rows", 0) : Integer.valueOf(ctx.config().getInt("andon.jdbc.max-rows"));
        Integer fetchSize = b.integer("fetch-size", 1);
        Boolean transaction = b.has("transaction") ? b.bool("transaction") : Boolean.FALSE;
        Boolean heartbeatFromRows = heartbeatFrom(b, settings);
        Duration cancelWait = ctx.config().getDuration("andon.jdbc.cancel-wait");
        if (problems.size() > before || heartbeatFromRows == null || connector == null || maxRows == null || transaction == null) return null;
        return new JdbcCall(connector, new JdbcCall.Statement(sql, params, maxRows, transaction, fetchSize,
                settings.timeout(), heartbeatFromRows), cancelWait);
    }

    /**
     * Whether fetched rows are heartbeats ({@code heartbeat-from = rows}); a {@code heartbeat-timeout}
     * without it is a problem: a statement gives no sign of life while the database runs it.
     */
    private static Boolean heartbeatFrom(ConfigBlock b, CallSettings settings) {
        String from = b.string("heartbeat-from");
        if (from != null && !from.equals("rows")) {
            b.problem("heartbeat-from", "must be rows (each fetched batch of fetch-size rows is a heartbeat), not \""
                    + from + "\"");
            return null;
        }
        if (from == null && b.has("heartbeat-from")) return null; // not a string: reported
        if (from == null && settings.heartbeatTimeout() != null) {
            b.problem("heartbeat-timeout", "a jdbc call cannot heartbeat while the database runs its statement: with a "
                    + "heartbeat-timeout (the call's own or its job's) set heartbeat-from = rows, so that each fetched "
                    + "batch of rows is a heartbeat, or heartbeat-timeout = off");
            return null;
        }
        return from != null;
    }

    private static void refusePassword(ConfigBlock b) {
        if (b.has("password")) {
            b.problem("password", "a password is never written in a configuration file: put it in an environment "
                    + "variable and name the variable with password-env = \"VARIABLE\"");
        }
    }

    /** The URL, if some driver on the classpath accepts it. */
    private static String url(ConfigBlock b) {
        String url = b.string("url");
        if (url == null) return null;
        if (!url.startsWith("jdbc:")) {
            b.problem("url", "must be a JDBC URL (jdbc:postgresql://host:5432/db, jdbc:sqlite:file.db, ...), not \""
                    + url + "\"");
            return null;
        }
        if (PASSWORD_IN_URL.matcher(url).find()) {
            b.problem("url", "holds a password: a password is never written in a configuration file; put it in an "
                    + "environment variable and name the variable with password-env = \"VARIABLE\"");
            return null;
        }
        try {
            DriverManager.getDriver(url);
            return url;
        } catch (SQLException e) {
            String scheme = url.substring("jdbc:".length()).split("[:;/]", 2)[0];
            b.problem("url", "no JDBC driver for \"" + scheme + "\" on the classpath: put the driver's jar in lib/ "
                    + "(the PostgreSQL and SQLite drivers ship with Andon)");
            return null;
        }
    }

    private static String variable(ConfigBlock b) {
        String name = b.string("password-env");
        if (name == null) return null;
        if (VARIABLE.matcher(name).matches()) return name;
        b.problem("password-env", "must name an environment variable (letters, digits and _), not \"" + name + "\"");
        return null;
    }

    private static List<Object> params(ConfigBlock b) {
        if (!b.has("params")) return List.of();
        ConfigValue v = b.config().root().get("params");
        if (v.valueType() != ConfigValueType.LIST) {
            b.problem("params", "must be a list [...] of strings, numbers, booleans or null, not " + ConfigBlock.describe(v));
            return List.of();
        }
        List<Object> params = new ArrayList<>();
        List<?> items = (List<?>) v;
        for (int i = 0; i < items.size(); i++) {
            ConfigValue item = (ConfigValue) items.get(i);
            switch (item.valueType()) {
                case STRING, NUMBER, BOOLEAN, NULL -> params.add(item.unwrapped());
                default -> b.problems().add(item.origin(), b.pathOf("params") + "[" + i + "]",
                        "must be a string, a number, a boolean or null, not " + ConfigBlock.describe(item));
            }
        }
        return params;
    }

    /** The pool the call names, or null with a problem about its {@code pool} key. */
    private static JdbcPoolSettings pool(ConfigBlock b, Config config) {
        String name = b.string("pool");
        if (name == null) return null;
        String path = POOLS + "." + name;
        if (!POOL_NAME.matcher(name).matches() || !config.hasPath(POOLS) || !config.getObject(POOLS).containsKey(name)) {
            b.problem("pool", "no pool \"" + name + "\": declare it as " + path + " { url = \"jdbc:...\", user = ..., "
                    + "password-env = ... }");
            return null;
        }
        Problems own = new Problems();
        JdbcPoolSettings pool = readPool(name, config, own);
        if (pool == null) b.problem("pool", "the pool \"" + name + "\" has problems of its own (see " + path + ")");
        return pool;
    }

    /**
     * Checks every pool under {@code andon.jdbc.pools}, each problem once, whether or not a call
     * uses it.
     *
     * @return the pools without problems, by name
     */
    public static Map<String, JdbcPoolSettings> checkPools(Config config, Problems problems) {
        Map<String, JdbcPoolSettings> pools = new TreeMap<>();
        if (!config.hasPath(POOLS)) return pools;
        ConfigValue section = config.getValue(POOLS);
        if (!(section instanceof ConfigObject object)) {
            problems.add(section.origin(), POOLS, "must be an object { NAME { url = ..., ... } }");
            return pools;
        }
        ConfigBlock block = new ConfigBlock(object.toConfig(), POOLS, object.origin(), problems);
        for (String name : block.keys()) {
            if (!POOL_NAME.matcher(name).matches()) {
                block.problem(name, "a pool name may have only letters, digits, - and _ (and not start with - or _)");
                continue;
            }
            JdbcPoolSettings pool = readPool(name, config, problems);
            if (pool != null) pools.put(name, pool);
        }
        return pools;
    }

    private static JdbcPoolSettings readPool(String name, Config config, Problems problems) {
        ConfigValue v = config.getObject(POOLS).get(name);
        if (!(v instanceof ConfigObject object)) {
            problems.add(v.origin(), POOLS + "." + name, "must be an object { url = \"jdbc:...\", ... }, not "
                    + ConfigBlock.describe(v));
            return null;
        }
        int before = problems.size();
        ConfigBlock b = new ConfigBlock(object.toConfig(), POOLS + "." + name, object.origin(), problems);
        b.rejectUnknownKeys(POOL_KEYS);
        refusePassword(b);
        String url = b.require("url") ? url(b) : null;
        String user = b.string("user");
        String passwordEnv = variable(b);
        Integer size = b.has("maximum-pool-size") ? b.integer("maximum-pool-size", 1)
                : defaultOr(config, c -> c.getInt(POOL_DEFAULTS + ".maximum-pool-size"));
        Duration timeout = b.has("connection-timeout") ? b.duration("connection-timeout", ConfigBlock.Range.POSITIVE)
                : defaultOr(config, c -> c.getDuration(POOL_DEFAULTS + ".connection-timeout"));
        if (timeout != null && timeout.compareTo(LEAST_CONNECTION_TIMEOUT) < 0) {
            if (b.has("connection-timeout")) b.problem("connection-timeout", "must be at least 250ms (HikariCP's least)");
            else timeout = LEAST_CONNECTION_TIMEOUT; // the default's own problem is reported where it is set
        }
        if (problems.size() > before || url == null || size == null || timeout == null) return null;
        return new JdbcPoolSettings(name, url, user, passwordEnv, size, timeout);
    }

    /** A pool default from the configuration; a bad one (reported by the settings check) falls back to reference.conf's. */
    private static <T> T defaultOr(Config config, Function<Config, T> read) {
        try {
            return read.apply(config);
        } catch (ConfigException e) {
            return read.apply(com.typesafe.config.ConfigFactory.defaultReference());
        }
    }
}
