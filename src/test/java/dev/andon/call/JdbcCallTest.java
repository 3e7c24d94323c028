package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.testutil.TestPostgres;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code jdbc} kind on real databases, without the engine: SQLite in a temporary file and
 * the test PostgreSQL (password authentication, as in a deployment).
 */
class JdbcCallTest {
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(1);
    private static TestPostgres pg;
    private static String db;

    @TempDir
    Path dir;

    @BeforeAll
    static void startPostgres() {
        pg = TestPostgres.shared();
        db = pg.createDatabase();
    }

    private static JdbcCall.Statement sql(String sql, Object... params) {
        return new JdbcCall.Statement(sql, java.util.Arrays.asList(params), 100, false, null, null);
    }

    private static JdbcCall.Connector postgres(String application) {
        return JdbcCall.direct(pg.jdbcUrl(db) + "?ApplicationName=" + application, pg.user(), "PGPW",
                Map.of("PGPW", pg.password())::get);
    }

    private static Object run(JdbcCall call) throws Exception {
        try (TestWorkContext ctx = new TestWorkContext("q")) {
            return call.call(ctx);
        }
    }

    private Connection sqlite() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
    }

    @Test
    void shouldPutAQuerysFirstRowsWithTheirColumnNamesInTheReport() throws Exception {
        try (Connection c = sqlite(); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE TABLE fruit (id INTEGER, name TEXT, price REAL)");
            st.executeUpdate("INSERT INTO fruit VALUES (1, 'apple', 0.5), (2, 'pear', NULL), (3, 'plum', 2)");
        }
        JdbcCall call = new JdbcCall(JdbcCall.direct("jdbc:sqlite:" + dir.resolve("t.db"), null, null, k -> null),
                new JdbcCall.Statement("SELECT id, name, price AS cost, name FROM fruit ORDER BY id", List.of(), 2,
                        false, null, null), CANCEL_WAIT);
        try (TestWorkContext ctx = new TestWorkContext("fruit")) {
            assertEquals("3 rows", call.call(ctx), "the result counts every row, not only the reported ones");
            assertEquals(List.of("id", "name", "cost", "name"), ctx.details().get("columns"));
            List<?> rows = (List<?>) ctx.details().get("rows");
            assertEquals(2, rows.size(), "max-rows = 2");
            Map<?, ?> first = (Map<?, ?>) rows.get(0);
            assertEquals(List.of("id", "name", "cost", "name_2"), List.copyOf(first.keySet()), "in column order");
            assertEquals(1, ((Number) first.get("id")).intValue());
            assertEquals("apple", first.get("name"));
            assertEquals(0.5, ((Number) first.get("cost")).doubleValue());
            Map<?, ?> second = (Map<?, ?>) rows.get(1);
            assertTrue(second.containsKey("cost") && second.get("cost") == null, "NULL is kept as null: " + second);
            assertEquals(3L, ctx.details().get("rowCount"));
        }
    }

    @Test
    void shouldBindParamsPositionallyNeverSplicedIntoTheSql() throws Exception {
        try (Connection c = sqlite(); Statement st = c.createStatement()) {
            st.executeUpdate("CREATE TABLE t (id INTEGER, name TEXT)");
            st.executeUpdate("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')");
        }
        String url = "jdbc:sqlite:" + dir.resolve("t.db");
        JdbcCall hostile = new JdbcCall(JdbcCall.direct(url, null, null, k -> null),
                sql("SELECT id FROM t WHERE name = ?", "x' OR '1'='1"), CANCEL_WAIT);
        assertEquals("0 rows", run(hostile));
        JdbcCall update = new JdbcCall(JdbcCall.direct(url, null, null, k -> null),
                sql("UPDATE t SET name = ? WHERE id >= ? AND ? IS NULL", "z", 2, null), CANCEL_WAIT);
        try (TestWorkContext ctx = new TestWorkContext("u")) {
            assertEquals("2 rows updated", update.call(ctx));
            assertEquals(2L, ((Number) ctx.details().get("updateCount")).longValue());
        }
    }

    @Test
    void shouldFailBadSqlWithItsSqlStateAndTheDatabasesMessageOnOneLine() {
        JdbcCall call = new JdbcCall(postgres("bad-sql"), sql("SELEC 1"), CANCEL_WAIT);
        JdbcFailedException e = assertThrows(JdbcFailedException.class, () -> run(call));
        assertTrue(e.getMessage().startsWith("SQLState 42601: ERROR: syntax error at or near \"SELEC\""), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertEquals(0, e.getStackTrace().length, "a user's mistake has no stack trace");
        assertEquals(List.of("sqlstate=42601", "sqlstate=42xxx"), e.retryKeys());
    }

    @Test
    void shouldSayWhereItTriedAndWhyWhenThePasswordFromTheEnvironmentIsWrong() throws Exception {
        String url = pg.jdbcUrl(db);
        JdbcCall wrong = new JdbcCall(JdbcCall.direct(url, pg.user(), "PGPW", Map.of("PGPW", "not-it")::get),
                sql("SELECT 1"), CANCEL_WAIT);
        JdbcFailedException e = assertThrows(JdbcFailedException.class, () -> run(wrong));
        assertEquals("SQLState 28P01: cannot connect to " + url + " as " + pg.user()
                + ": FATAL: password authentication failed for user \"" + pg.user() + "\"", e.getMessage());

        JdbcCall unset = new JdbcCall(JdbcCall.direct(url, pg.user(), "PGPW", k -> null), sql("SELECT 1"), CANCEL_WAIT);
        e = assertThrows(JdbcFailedException.class, () -> run(unset));
        assertEquals("cannot connect to " + url + " as " + pg.user()
                + ": the environment variable PGPW (password-env) is not set", e.getMessage());

        JdbcCall right = new JdbcCall(JdbcCall.direct(url, pg.user(), "PGPW", Map.of("PGPW", pg.password())::get),
                sql("SELECT 1"), CANCEL_WAIT);
        assertEquals("1 row", run(right));
    }

    @Test
    void shouldSayWhereItTriedAndWhyWhenTheHostCannotBeReached() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String url = "jdbc:postgresql://127.0.0.1:" + closed + "/nothing";
        JdbcCall refused = new JdbcCall(JdbcCall.direct(url, "andon", null, k -> null), sql("SELECT 1"), CANCEL_WAIT);
        JdbcFailedException e = assertThrows(JdbcFailedException.class, () -> run(refused));
        assertTrue(e.getMessage().startsWith("SQLState 08001: cannot connect to " + url + " as andon: Connection to 127.0.0.1:"
                + closed + " refused"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());

        String unknown = "jdbc:postgresql://no-such-host.invalid:5432/nothing";
        JdbcCall nowhere = new JdbcCall(JdbcCall.direct(unknown, null, null, k -> null), sql("SELECT 1"), CANCEL_WAIT);
        e = assertThrows(JdbcFailedException.class, () -> run(nowhere));
        assertTrue(e.getMessage().contains("cannot connect to " + unknown + ": ")
                && e.getMessage().contains("UnknownHostException: no-such-host.invalid"), e.getMessage());
    }

    @Test
    void shouldStopAPostgresQueryOnAbortThroughStatementCancel() throws Exception {
        JdbcCall call = new JdbcCall(postgres("cancel-me"), sql("SELECT pg_sleep(60)"), CANCEL_WAIT);
        try (TestWorkContext ctx = new TestWorkContext("sleeper")) {
            Future<Object> running = ctx.start(call::call);
            awaitTrue(() -> activeQueries("cancel-me") == 1, "the query is running");
            long t0 = System.nanoTime();
            ctx.requestAbort("c2 failed");
            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(20, TimeUnit.SECONDS));
            assertInstanceOf(AbortedException.class, e.getCause(), e.toString());
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20));
            assertEquals(0, activeQueries("cancel-me"), "the database stopped the query");
        }
    }

    /**
     * Why the kind cancels: an interrupt does not reach the PostgreSQL driver while it waits in a
     * socket read on a platform thread. The query goes on, and only Statement.cancel() stops it.
     */
    @Test
    void interruptAloneDoesNotStopThePostgresDriverBlockedInASocketRead() throws Exception {
        Properties info = new Properties();
        info.setProperty("user", pg.user());
        info.setProperty("password", pg.password());
        info.setProperty("ApplicationName", "interrupt-me");
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db), info);
             PreparedStatement st = c.prepareStatement("SELECT pg_sleep(60)")) {
            CompletableFuture<Thread> thread = new CompletableFuture<>();
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                thread.complete(Thread.currentThread());
                try {
                    st.execute();
                    ended.complete(null);
                } catch (Throwable e) {
                    ended.complete(e);
                }
            }, "platform-jdbc");
            t.setDaemon(true);
            t.start();
            awaitTrue(() -> activeQueries("interrupt-me") == 1, "the query is running");
            t.interrupt();
            assertThrows(TimeoutException.class, () -> ended.get(1500, TimeUnit.MILLISECONDS),
                    "the interrupt stopped the driver");
            assertTrue(t.isAlive() && t.isInterrupted(), "still blocked, its interrupt still pending");
            assertEquals(1, activeQueries("interrupt-me"), "the database still runs the query");

            st.cancel();
            Throwable e = ended.get(20, TimeUnit.SECONDS);
            assertInstanceOf(SQLException.class, e);
            assertEquals("57014", ((SQLException) e).getSQLState(), "canceling statement due to user request");
        }
    }

    /** Queries running now for {@code application}, other than the one asking. */
    static int activeQueries(String application) {
        return Integer.parseInt(TestPostgres.shared().sql("postgres", "SELECT count(*) FROM pg_stat_activity"
                + " WHERE application_name = '" + application + "' AND state = 'active' AND pid <> pg_backend_pid()"));
    }

    static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 30 s: " + what);
            Thread.sleep(20);
        }
    }
}
