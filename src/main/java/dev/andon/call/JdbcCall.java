package dev.andon.call;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import org.postgresql.PGConnection;

/**
 * The {@code jdbc} kind: one SQL statement through JDBC, on a connection of its own or on one
 * from a shared pool ({@link JdbcPools}).
 *
 * <h2>What runs</h2>
 * The statement is prepared, its parameters are bound in order (never spliced into the SQL),
 * and it is executed once. With {@code transaction} on, the connection leaves auto-commit: the
 * statement's work is committed when the call succeeds and rolled back when it fails or is
 * aborted. The call's {@code timeout} is also the statement's query timeout (rounded up to whole
 * seconds, where the driver supports one), so the database is told as well; {@code fetch-size}
 * is the driver's hint for how many rows it fetches at a time.
 *
 * <h2>Outcome</h2>
 * <ul>
 *   <li>a query: returns {@code "3 rows"}, the count of every row of the result; the report's
 *       details get {@code columns} (the column labels), {@code rows} (the first {@code max-rows}
 *       rows, each an object of column label to value) and {@code rowCount};
 *   <li>an update: returns {@code "1 row updated"}; the details get {@code updateCount};
 *   <li>the database refused it: throws {@link JdbcFailedException}, one line with the SQLState
 *       and the database's message;
 *   <li>no connection: throws {@link JdbcFailedException} saying where it tried and why;
 *   <li>aborted: throws {@link AbortedException} once the statement has stopped and the
 *       connection is let go of.
 * </ul>
 *
 * <h2>Abort</h2>
 * A JDBC driver blocked in a socket read on a platform thread does not wake for an interrupt.
 * So the call's abort hook has {@link java.sql.Statement#cancel()} called on a thread of its own (the
 * database stops the statement and the driver returns with an error; for PostgreSQL the
 * connection's own {@code cancelQuery()}, which also stops a fetch of further rows), sent again
 * every 50 ms while the statement goes on, and waits up to {@code cancel-wait} for the call to
 * let go of its connection; if it has not, it aborts the connection ({@link Connection#abort},
 * or {@code close} where a driver has no abort), which unblocks any driver. The hook cancels only
 * while the call is inside its statement, and aborts only until the call begins to give its
 * connection back, so a pooled connection is never touched once it may be another call's. The call then rolls back (with {@code transaction} on) and closes or
 * returns its connection on its own thread. A pooled connection whose statement was cancelled
 * goes back to its pool healthy; one that had to be aborted is dropped by the pool.
 *
 * <h2>Threading</h2>
 * {@link #call} runs on the blocking dispatcher and blocks in the driver; the hook runs on the
 * abort-hook dispatcher and hands the cancel to an {@code andon-jdbc-cancel-N} thread. Instances are immutable and may run any number of attempts, also
 * concurrently: each attempt has its own connection and statement.
 */
public final class JdbcCall implements BlockingCall<String> {
    private static final int VALUE_MAX = 1000;

    /**
     * Where aborted statements are cancelled: daemon threads named {@code andon-jdbc-cancel-N},
     * as many as there are cancels at once, gone after 10 s idle. A task lasts at most about
     * {@code cancel-wait} (and the driver's own cancel timeout).
     */
    static final ThreadPoolExecutor CANCELLERS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10,
            TimeUnit.SECONDS, new SynchronousQueue<>(), new ThreadFactory() {
                private final AtomicInteger n = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    Thread t = new Thread(r, "andon-jdbc-cancel-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }
            });

    /** Where a call's connection comes from. */
    public interface Connector {
        /** A connection for one attempt; the caller closes it. */
        Connection open() throws JdbcFailedException;

        /** What a failure says was tried: the URL and user, or the pool. */
        String where();
    }

    /**
     * A connector of an Andon instance, whose PostgreSQL statements are cancelled together
     * ({@link PgCancels}) over a control connection to the same server as the same user.
     */
    private interface Batched extends Connector {
        /** The server and user: calls with the same key share a control connection. */
        String cancelKey();

        /** A connection of its own to the same server as the same user, never a pooled one. */
        Connection openControl() throws JdbcFailedException;

        /** The instance's cancels. */
        PgCancels cancels();
    }

    /**
     * What the call runs.
     *
     * @param sql         one statement, with {@code ?} for each parameter
     * @param params      bound in order: strings, numbers, booleans, or null
     * @param maxRows     how many rows of a query's result go into the report
     * @param transaction whether the statement runs in a transaction of its own
     * @param fetchSize   the driver's fetch size, or {@code null} for the driver's default
     * @param timeout     the call's timeout, also set as the query timeout; {@code null} for none
     * @param heartbeatFromRows whether each batch of {@code fetchSize} fetched rows (each row,
     *                    without a fetch size) is a heartbeat
     */
    public record Statement(String sql, List<Object> params, int maxRows, boolean transaction, Integer fetchSize,
                            Duration timeout, boolean heartbeatFromRows) {
        public Statement {
            Objects.requireNonNull(sql, "sql");
            params = Collections.unmodifiableList(new ArrayList<>(params)); // nulls are parameters too
            if (maxRows < 0) throw new IllegalArgumentException("maxRows must not be negative: " + maxRows);
            if (fetchSize != null && fetchSize < 1) throw new IllegalArgumentException("fetchSize must be at least 1: " + fetchSize);
        }

        /** A statement whose rows are no heartbeat. */
        public Statement(String sql, List<Object> params, int maxRows, boolean transaction, Integer fetchSize,
                         Duration timeout) {
            this(sql, params, maxRows, transaction, fetchSize, timeout, false);
        }
    }

    private final Connector connector;
    private final Statement statement;
    private final Duration cancelWait;

    /**
     * @param connector  where each attempt's connection comes from
     * @param statement  what runs
     * @param cancelWait how long the abort hook waits after {@code Statement.cancel()} before it
     *                   aborts the connection
     */
    public JdbcCall(Connector connector, Statement statement, Duration cancelWait) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.statement = Objects.requireNonNull(statement, "statement");
        this.cancelWait = Objects.requireNonNull(cancelWait, "cancelWait");
        if (cancelWait.isNegative()) throw new IllegalArgumentException("cancelWait must not be negative: " + cancelWait);
    }

    /**
     * A connection of its own for each attempt, through {@link DriverManager}.
     *
     * @param passwordEnv the environment variable with the password, read at each attempt, or null
     * @param environment reads an environment variable ({@code System::getenv})
     */
    public static Connector direct(String url, String user, String passwordEnv, Function<String, String> environment) {
        return direct(url, user, passwordEnv, environment, null);
    }

    /**
     * As {@link #direct(String, String, String, Function)}, for a call of the Andon instance
     * whose pools {@code resources} gives: its PostgreSQL statements are cancelled together with
     * the others aborted at the same moment, in one statement (see {@link JdbcPools}).
     */
    public static Connector direct(String url, String user, String passwordEnv, Function<String, String> environment,
                                   Supplier<JdbcPools> resources) {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(environment, "environment");
        String where = shown(url) + (user == null ? "" : " as " + user);
        Connector plain = new Connector() {
            @Override
            public Connection open() throws JdbcFailedException {
                Properties info = new Properties();
                if (user != null) info.setProperty("user", user);
                if (passwordEnv != null) {
                    String password = environment.apply(passwordEnv);
                    if (password == null) {
                        throw JdbcFailedException.connect(where, "the environment variable " + passwordEnv
                                + " (password-env) is not set");
                    }
                    info.setProperty("password", password);
                }
                try {
                    return DriverManager.getConnection(url, info);
                } catch (SQLException e) {
                    throw JdbcFailedException.connect(where, e);
                }
            }

            @Override
            public String where() {
                return where;
            }
        };
        if (resources == null) return plain;
        String key = serverOf(url) + " as " + user;
        return new Batched() {
            @Override
            public Connection open() throws JdbcFailedException {
                return plain.open();
            }

            @Override
            public String where() {
                return where;
            }

            @Override
            public String cancelKey() {
                return key;
            }

            @Override
            public Connection openControl() throws JdbcFailedException {
                return plain.open();
            }

            @Override
            public PgCancels cancels() {
                return resources.get().cancels();
            }
        };
    }

    /** A URL without its query: the server and database a connection goes to. */
    private static String serverOf(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    /** A connection from the pool {@code settings} names, looked up in {@code pools} at each attempt. */
    public static Connector pooled(JdbcPoolSettings settings, Supplier<JdbcPools> pools) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(pools, "pools");
        String key = serverOf(settings.url()) + " as " + settings.user();
        return new Batched() {
            @Override
            public Connection open() throws JdbcFailedException {
                return pools.get().connection(settings);
            }

            @Override
            public String where() {
                return settings.where();
            }

            @Override
            public String cancelKey() {
                return key;
            }

            @Override
            public Connection openControl() throws JdbcFailedException {
                return pools.get().unpooled(settings);
            }

            @Override
            public PgCancels cancels() {
                return pools.get().cancels();
            }
        };
    }

    public Statement statement() {
        return statement;
    }

    @Override
    public String call(WorkContext ctx) throws Exception {
        ctx.checkpoint();
        ctx.progress("connecting to " + connector.where());
        Connection connection;
        try {
            connection = connector.open();
        } catch (JdbcFailedException e) {
            ctx.checkpoint(); // an interrupt or a closed pool that the abort caused
            throw e;
        }
        Running running = new Running(connection, connector);
        boolean committed = false;
        PreparedStatement st = null;
        try {
            ctx.checkpoint();
            if (statement.transaction()) connection.setAutoCommit(false);
            st = connection.prepareStatement(statement.sql());
            bind(st);
            running.enter(st);
            ctx.onAbort(() -> stop(running));
            ctx.checkpoint();
            ctx.progress("running on " + connector.where());
            String result;
            try {
                result = execute(st, ctx);
            } finally {
                running.leave();
            }
            ctx.checkpoint(); // aborted as the last row came: not committed
            if (statement.transaction()) connection.commit();
            committed = true;
            return result;
        } catch (SQLException e) {
            ctx.checkpoint(); // the error an abort's cancel caused is the abort
            throw e instanceof JdbcFailedException f ? f : JdbcFailedException.statement(e);
        } finally {
            if (statement.transaction() && !committed) rollbackQuietly(connection);
            closeQuietly(st);
            running.letGo();
            closeQuietly(connection);
            running.released.countDown();
        }
    }

    /**
     * The abort hook: hands the stopping to a thread of its own and returns. A cancel waits for
     * the database to take it (PostgreSQL forks a process for each), so sixteen calls aborted at
     * once cancel at once rather than in turns on the few threads that run abort hooks; the
     * worker still acks only once the call's thread has returned.
     */
    private void stop(Running running) {
        try {
            CANCELLERS.execute(() -> running.stop(cancelWait));
        } catch (RejectedExecutionException e) {
            running.stop(cancelWait);
        }
    }

    private void bind(PreparedStatement st) throws SQLException {
        List<Object> params = statement.params();
        for (int i = 0; i < params.size(); i++) {
            Object p = params.get(i);
            if (p == null) st.setNull(i + 1, Types.NULL);
            else st.setObject(i + 1, p);
        }
        Duration timeout = statement.timeout();
        if (timeout != null) {
            long seconds = Math.min(Integer.MAX_VALUE, (timeout.toMillis() + 999) / 1000);
            try {
                st.setQueryTimeout((int) Math.max(1, seconds));
            } catch (SQLFeatureNotSupportedException e) {
                // This driver has no query timeout: the call's own timeout still aborts it.
            }
        }
        if (statement.fetchSize() != null) st.setFetchSize(statement.fetchSize());
    }

    private String execute(PreparedStatement st, WorkContext ctx) throws SQLException {
        if (!st.execute()) {
            long n = updateCount(st);
            ctx.detail("updateCount", n);
            return n + (n == 1 ? " row" : " rows") + " updated";
        }
        try (ResultSet rs = st.getResultSet()) {
            ResultSetMetaData meta = rs.getMetaData();
            List<String> columns = new ArrayList<>();
            for (int c = 1; c <= meta.getColumnCount(); c++) columns.add(meta.getColumnLabel(c));
            List<Map<String, Object>> rows = new ArrayList<>();
            long count = 0;
            int batch = statement.fetchSize() == null ? 1 : statement.fetchSize();
            if (statement.heartbeatFromRows()) ctx.heartbeat(); // the statement has run: its first rows are here
            while (true) {
                // Before each fetch: an abort whose cancel found the database between two fetches
                // is seen here, not after a fetch that would block.
                ctx.checkpoint();
                if (!rs.next()) break;
                count++;
                if (statement.heartbeatFromRows() && count % batch == 0) ctx.heartbeat();
                if (count <= statement.maxRows()) rows.add(row(rs, columns));
            }
            ctx.detail("columns", List.copyOf(columns));
            ctx.detail("rows", Collections.unmodifiableList(rows));
            ctx.detail("rowCount", count);
            return count + (count == 1 ? " row" : " rows");
        }
    }

    private static long updateCount(PreparedStatement st) throws SQLException {
        try {
            return st.getLargeUpdateCount();
        } catch (SQLFeatureNotSupportedException | UnsupportedOperationException e) {
            return st.getUpdateCount();
        }
    }

    /** One row as column label to a value JSON can show; a label seen twice gets a suffix. */
    private static Map<String, Object> row(ResultSet rs, List<String> columns) throws SQLException {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int c = 0; c < columns.size(); c++) {
            String label = columns.get(c);
            for (int n = 2; row.containsKey(label); n++) label = columns.get(c) + "_" + n;
            row.put(label, shownValue(rs.getObject(c + 1)));
        }
        return Collections.unmodifiableMap(row);
    }

    private static Object shownValue(Object v) {
        if (v == null || v instanceof Number || v instanceof Boolean) return v;
        String s = v instanceof byte[] b ? "\\x" + HexFormat.of().formatHex(b, 0, Math.min(b.length, VALUE_MAX / 2))
                : String.valueOf(v);
        return s.length() <= VALUE_MAX ? s : s.substring(0, VALUE_MAX) + "…";
    }

    /**
     * One attempt's connection as its abort hook sees it. The hook cancels only while the call's
     * thread is inside its statement, and aborts the connection only until the thread begins to
     * give it back: a pooled connection may be another call's a moment later. A PostgreSQL
     * connection of an instance's call is cancelled with the others of the same moment
     * ({@link PgCancels}); it is not given back while such a cancel, which goes by its backend's
     * pid, is in flight.
     */
    private static final class Running implements PgCancels.Target {
        /** How often a cancel is sent again while the statement goes on (one sent between two fetches is lost). */
        private static final long RECANCEL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
        /** How long a cancel with others may take before the driver's own is sent instead. */
        private static final long TOGETHER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

        private final Connection connection;
        private final boolean postgres;
        private final int pid;
        private final Batched batched; // null: cancelled the driver's way only
        final CountDownLatch released = new CountDownLatch(1);
        // Guarded by this:
        private PreparedStatement statement;
        private boolean inStatement;
        private boolean lettingGo;
        private int cancelsInFlight;

        Running(Connection connection, Connector connector) {
            this.connection = connection;
            int backend = 0;
            boolean pg = false;
            try {
                if (connection.isWrapperFor(PGConnection.class)) {
                    pg = true;
                    backend = connection.unwrap(PGConnection.class).getBackendPID();
                }
            } catch (SQLException | RuntimeException e) {
                // Not one we can tell apart: cancelled the driver's way.
            }
            this.postgres = pg;
            this.pid = backend;
            this.batched = pg && backend > 0 && connector instanceof Batched b ? b : null;
            if (batched != null) batched.cancels().warm(batched.cancelKey(), batched::openControl);
        }

        synchronized void enter(PreparedStatement st) {
            statement = st;
            inStatement = true;
        }

        synchronized void leave() {
            inStatement = false;
        }

        /** The call's thread begins to give the connection back, once no cancel by pid is in flight. */
        synchronized void letGo() {
            lettingGo = true;
            boolean interrupted = false;
            while (cancelsInFlight > 0) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    interrupted = true; // the cancel's statement is bounded: wait it out
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public synchronized boolean hold() {
            if (lettingGo || !inStatement) return false;
            cancelsInFlight++;
            return true;
        }

        @Override
        public synchronized void release() {
            if (--cancelsInFlight == 0) notifyAll();
        }

        /** The abort hook, on the hook's thread: cancel the statement, and abort the connection if that was not enough. */
        void stop(Duration cancelWait) {
            long deadline = System.nanoTime() + cancelWait.toNanos();
            try {
                while (true) {
                    if (!cancelledTogether(deadline)) {
                        synchronized (this) {
                            if (lettingGo) return;
                            if (inStatement && !cancel()) break; // this driver cannot cancel: abort now
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || released.await(Math.min(left, RECANCEL_NANOS), TimeUnit.NANOSECONDS)) break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the hook pool is going away: abort now
            }
            synchronized (this) {
                if (lettingGo) return;
                try {
                    connection.abort(Runnable::run);
                } catch (SQLException | RuntimeException | AbstractMethodError e) {
                    closeQuietly(connection);
                }
            }
        }

        /** Whether the statement was cancelled with the others of the moment; if not, the caller cancels it. */
        private boolean cancelledTogether(long deadline) throws InterruptedException {
            if (batched == null) return false;
            try {
                long left = Math.max(0, Math.min(deadline - System.nanoTime(), TOGETHER_WAIT_NANOS));
                return batched.cancels().cancel(batched.cancelKey(), this).get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return false;
            }
        }

        /** Asks the database to stop the statement; {@code false} if this driver cannot. */
        private boolean cancel() {
            try {
                // PostgreSQL's Statement.cancel() does nothing while a ResultSet fetches its next
                // rows (fetch-size): the connection's own cancel stops whatever it runs.
                if (postgres) connection.unwrap(PGConnection.class).cancelQuery();
                else statement.cancel();
                return true;
            } catch (SQLException | RuntimeException e) {
                return false;
            }
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            // The connection is broken or aborted: its transaction dies with it.
        }
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            // Nothing more can be done with it; the outcome is already decided.
        }
    }

    /** A URL as errors show it: a password given in it (which should not be) is blanked. */
    static String shown(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    @Override
    public String toString() {
        return "jdbc " + connector.where() + ": " + statement.sql();
    }
}
