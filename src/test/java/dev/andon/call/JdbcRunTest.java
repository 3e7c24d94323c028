package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.config.Catalog;
import dev.andon.config.ClassKind;
import dev.andon.config.CommandKind;
import dev.andon.config.HttpKind;
import dev.andon.config.JdbcKind;
import dev.andon.config.KindContext;
import dev.andon.config.Kinds;
import dev.andon.config.Problems;
import dev.andon.config.SleepKind;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.testutil.TestPostgres;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code jdbc} calls through the engine on the test PostgreSQL: a failing sibling stops their
 * queries, a transaction is rolled back by an abort, and a pool's connection survives a cancel.
 */
class JdbcRunTest {
    private static TestPostgres pg;
    private static String db;
    private static Function<String, String> environment;
    private static Andon andon;

    @BeforeAll
    static void start() {
        pg = TestPostgres.shared();
        db = pg.createDatabase();
        environment = Map.of("TEST_PG_PASSWORD", pg.password())::get;
        andon = Andon.start(ConfigFactory.load(), "jdbc-run-test", environment);
    }

    @AfterAll
    static void stop() {
        andon.close();
    }

    /** Runs job {@code job} of the catalog {@code hocon} (with {@code $URL}, {@code $USER} filled in). */
    private static RunReport run(Andon on, String hocon, String job) throws Exception {
        String text = hocon.replace("$URL", pg.jdbcUrl(db)).replace("$USER", pg.user());
        Config config = ConfigFactory.parseString(text).withFallback(ConfigFactory.load()).resolve();
        Problems problems = new Problems();
        Kinds kinds = new Kinds(List.of(new SleepKind(), new CommandKind(), new HttpKind(), new JdbcKind(environment),
                new ClassKind()));
        Catalog catalog = Catalog.load(config, new KindContext(config, on.httpClient(), on::jdbcPools), kinds, problems);
        assertEquals(List.of(), problems.list());
        return on.submit(catalog.entry(job).orElseThrow().spec()).report().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void shouldStopEveryRunningQueryWhenASiblingFails() throws Exception {
        RunReport r = run(andon, """
                andon.jobs.sleepers {
                  calls = [
                    { name = q1, kind = jdbc, url = "$URL?ApplicationName=sleepers", user = "$USER",
                      password-env = TEST_PG_PASSWORD, sql = "SELECT pg_sleep(60)" }
                    { name = q2, kind = jdbc, url = "$URL?ApplicationName=sleepers", user = "$USER",
                      password-env = TEST_PG_PASSWORD, sql = "SELECT pg_sleep(?)", params = [60] }
                    { name = q3, kind = jdbc, url = "$URL?ApplicationName=sleepers", user = "$USER",
                      password-env = TEST_PG_PASSWORD, sql = "SELECT pg_sleep(60)", transaction = on }
                    { name = boom, kind = sleep, duration = 1s, fail = "boom" }
                  ]
                }
                """, "sleepers");
        assertEquals(RunStatus.FAILED, r.status(), r.toString());
        assertEquals("boom", r.cause().call());
        for (String q : List.of("q1", "q2", "q3")) {
            CallReport c = r.call(q);
            assertEquals(CallStatus.ABORTED, c.status(), c.toString());
            assertTrue(c.error().startsWith("dev.andon.call.AbortedException: "), c.error());
            assertNotNull(c.abortToAckMillis(), c.toString());
        }
        // Each call's thread returned with the database's "canceling statement": nothing runs on.
        assertEquals(0, JdbcCallTest.activeQueries("sleepers"));
    }

    @Test
    void shouldCancelSiblingsAbortedTogetherInOneStatementOverTheControlConnection() throws Exception {
        StringBuilder calls = new StringBuilder();
        for (int i = 1; i <= 8; i++) {
            calls.append("{ name = q").append(i).append(", kind = jdbc, url = \"$URL?ApplicationName=together\",")
                    .append(" user = \"$USER\", password-env = TEST_PG_PASSWORD, sql = \"SELECT pg_sleep(60)\" }\n");
        }
        String text = ("andon.jobs.together.calls = [\n" + calls + "]").replace("$URL", pg.jdbcUrl(db)).replace("$USER", pg.user());
        Config config = ConfigFactory.parseString(text).withFallback(ConfigFactory.load()).resolve();
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(config, new KindContext(config, andon.httpClient(), andon::jdbcPools),
                new Kinds(List.of(new JdbcKind(environment))), problems);
        assertEquals(List.of(), problems.list());
        JobSpec.Builder job = JobSpec.builder("together").maxParallelism(9);
        catalog.entry("together").orElseThrow().spec().calls().forEach(job::call);
        String key = pg.jdbcUrl(db) + " as " + pg.user();
        PgCancels cancels = andon.jdbcPools().cancels();
        job.call("boom", ctx -> {
            while (JdbcCallTest.activeQueries("together") < 8 || !cancels.ready(key)) {
                ctx.checkpoint();
                Thread.sleep(10);
            }
            throw new IllegalStateException("boom");
        });
        long before = cancels.batches();

        RunReport r = andon.submit(job.build()).report().toCompletableFuture().get(60, TimeUnit.SECONDS);

        assertEquals(RunStatus.FAILED, r.status(), r.toString());
        for (int i = 1; i <= 8; i++) assertEquals(CallStatus.ABORTED, r.call("q" + i).status(), r.toString());
        long sent = cancels.batches() - before;
        assertTrue(sent >= 1 && sent <= 8, "cancels sent over the control connection: " + sent);
        assertEquals(0, JdbcCallTest.activeQueries("together"));
    }

    @Test
    void shouldRollBackATransactionThatIsAborted() throws Exception {
        pg.sql(db, "CREATE TABLE orders (id int)");
        // A row is inserted by the first row the call fetches; the second blocks, and is aborted.
        pg.sql(db, """
                CREATE FUNCTION insert_then_sleep(n int) RETURNS int AS $$
                BEGIN
                  INSERT INTO orders VALUES (n);
                  PERFORM pg_sleep(CASE WHEN n = 1 THEN 0 ELSE 60 END);
                  RETURN n;
                END $$ LANGUAGE plpgsql""");
        RunReport r = run(andon, """
                andon.jobs.tx {
                  calls = [
                    { name = insert, kind = jdbc, url = "$URL?ApplicationName=tx", user = "$USER",
                      password-env = TEST_PG_PASSWORD, transaction = on, fetch-size = 1,
                      sql = "SELECT insert_then_sleep(g) FROM generate_series(1, 2) g" }
                    { name = boom, kind = sleep, duration = 1s, fail = "boom" }
                  ]
                }
                """, "tx");
        assertEquals(CallStatus.ABORTED, r.call("insert").status(), r.toString());
        assertEquals("0", pg.sql(db, "SELECT count(*) FROM orders"), "the aborted transaction left a row");
        assertEquals(0, JdbcCallTest.activeQueries("tx"));
    }

    @Test
    void shouldGiveAPooledConnectionBackHealthyAfterItsStatementWasCancelled() throws Exception {
        String pool = """
                andon.jdbc.pools.one { url = "$URL?ApplicationName=pooled", user = "$USER",
                                       password-env = TEST_PG_PASSWORD, maximum-pool-size = 1 }
                andon.jobs.pid.calls = [ { name = pid, kind = jdbc, pool = one, sql = "SELECT pg_backend_pid() AS pid" } ]
                andon.jobs.sleep {
                  calls = [
                    { name = q, kind = jdbc, pool = one, sql = "SELECT pg_sleep(60)" }
                    { name = boom, kind = sleep, duration = 1s, fail = "boom" }
                  ]
                }
                """;
        Object before = onlyRow(run(andon, pool, "pid").call("pid")).get("pid");
        RunReport aborted = run(andon, pool, "sleep");
        assertEquals(CallStatus.ABORTED, aborted.call("q").status(), aborted.toString());
        CallReport after = run(andon, pool, "pid").call("pid");
        assertEquals(CallStatus.SUCCEEDED, after.status(), after.toString());
        assertEquals(before, onlyRow(after).get("pid"), "the pool's one connection, not a new one");
    }

    @Test
    void shouldCloseThePoolsAtShutdownOnceTheRunsHaveAcknowledged() throws Exception {
        Andon own = Andon.start(ConfigFactory.load(), "jdbc-shutdown-test", environment);
        String pool = """
                andon.jdbc.pools.closing { url = "$URL?ApplicationName=closing", user = "$USER",
                                           password-env = TEST_PG_PASSWORD }
                andon.jobs.long.calls = [ { name = q, kind = jdbc, pool = closing, sql = "SELECT pg_sleep(60)" } ]
                """;
        var report = new java.util.concurrent.CompletableFuture<RunReport>();
        Thread runner = new Thread(() -> {
            try {
                report.complete(run(own, pool, "long"));
            } catch (Throwable e) {
                report.completeExceptionally(e);
            }
        }, "jdbc-shutdown-test-runner");
        runner.setDaemon(true);
        runner.start();
        JdbcCallTest.awaitTrue(() -> JdbcCallTest.activeQueries("closing") == 1, "the query is running");
        own.close();
        RunReport r = report.get(30, TimeUnit.SECONDS);
        assertEquals(RunStatus.ABORTED, r.status(), r.toString());
        assertEquals(CallStatus.ABORTED, r.call("q").status());
        assertTrue(own.jdbcPools().isClosed());
        JdbcCallTest.awaitTrue(() -> connections("closing") == 0, "the pool's connections are closed");
    }

    @Test
    void shouldCountEachFetchedBatchOfRowsAsAHeartbeatWithHeartbeatFromRows() throws Exception {
        // Pooled connections opened beforehand: on a loaded machine a password login alone may
        // take longer than the limit, and a call is silent while it connects.
        String pool = """
                andon.jdbc.pools.rows { url = "$URL?ApplicationName=rows", user = "$USER",
                                        password-env = TEST_PG_PASSWORD, maximum-pool-size = 2 }
                andon.jobs.warm.calls = [
                  { name = w1, kind = jdbc, pool = rows, sql = "SELECT pg_sleep(0.5)" }
                  { name = w2, kind = jdbc, pool = rows, sql = "SELECT pg_sleep(0.5)" }
                ]
                andon.jobs.rows {
                  failure-policy = all-settled
                  heartbeat-timeout = 1s
                  calls = [
                    # a row every 0.2 s for 3 s, fetched one at a time: alive throughout
                    { name = trickle, kind = jdbc, pool = rows, transaction = on, fetch-size = 1, heartbeat-from = rows,
                      sql = "SELECT g, pg_sleep(0.2) FROM generate_series(1, 15) g" }
                    # no row until the statement is done: silent for longer than its limit
                    { name = silent, kind = jdbc, pool = rows, heartbeat-from = rows, sql = "SELECT pg_sleep(3)" }
                  ]
                }
                """;
        assertEquals(RunStatus.SUCCEEDED, run(andon, pool, "warm").status());
        RunReport r = run(andon, pool, "rows");
        CallReport trickle = r.call("trickle");
        assertEquals(CallStatus.SUCCEEDED, trickle.status(), trickle.toString());
        assertEquals("15 rows", trickle.result());
        assertTrue(trickle.durationMillis() >= 3000, trickle.toString());
        CallReport silent = r.call("silent");
        assertEquals(CallStatus.TIMED_OUT, silent.status(), silent.toString());
        assertTrue(silent.error().startsWith("java.util.concurrent.TimeoutException: no heartbeat for 1s"), silent.error());
        assertEquals(0, JdbcCallTest.activeQueries("rows"));
    }

    private static Map<?, ?> onlyRow(CallReport c) {
        assertEquals(CallStatus.SUCCEEDED, c.status(), c.toString());
        List<?> rows = (List<?>) c.details().get("rows");
        assertEquals(1, rows.size(), rows.toString());
        return (Map<?, ?>) rows.get(0);
    }

    private static int connections(String application) {
        return Integer.parseInt(pg.sql("postgres", "SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                + application + "'"));
    }
}
