package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.testutil.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * {@link PgCancels} on the test PostgreSQL: statements asked to be cancelled at the same moment
 * go out together over the control connection, a statement that is over is never signalled by
 * pid, and whenever the control connection is missing or broken the caller is told to cancel by
 * itself.
 */
class PgCancelsTest {
    private static TestPostgres pg;
    private static String db;
    private static String key;

    private ExecutorService executor;
    private PgCancels cancels;
    private final List<Sleeper> sleepers = new ArrayList<>();

    @BeforeAll
    static void server() {
        pg = TestPostgres.shared();
        db = pg.createDatabase();
        key = pg.jdbcUrl(db) + " as " + pg.user();
    }

    @BeforeEach
    void start() {
        executor = Executors.newCachedThreadPool();
        cancels = new PgCancels(executor);
    }

    @AfterEach
    void stop() throws Exception {
        cancels.close();
        for (Sleeper s : sleepers) {
            if (s.ended.isDone()) continue;
            try {
                s.connection.unwrap(PGConnection.class).cancelQuery();
            } catch (SQLException e) {
                // It ended meanwhile.
            }
        }
        for (Sleeper s : sleepers) s.ended.get(30, TimeUnit.SECONDS);
        executor.shutdownNow();
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password());
    }

    /** A connection whose backend sleeps a minute in a statement; {@link #ended} has its SQLState. */
    private final class Sleeper implements PgCancels.Target {
        final Connection connection;
        final int pid;
        final CompletableFuture<String> ended = new CompletableFuture<>();
        volatile boolean over;
        int held;

        Sleeper() throws Exception {
            connection = connect();
            pid = connection.unwrap(PGConnection.class).getBackendPID();
            Thread t = new Thread(() -> {
                try (PreparedStatement st = connection.prepareStatement("SELECT pg_sleep(60)")) {
                    st.execute();
                    ended.complete("returned");
                } catch (SQLException e) {
                    ended.complete(e.getSQLState());
                } finally {
                    JdbcCall.closeQuietly(connection);
                }
            }, "pg-sleeper-" + pid);
            t.setDaemon(true);
            t.start();
            sleepers.add(this);
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public synchronized boolean hold() {
            if (over) return false;
            held++;
            return true;
        }

        @Override
        public synchronized void release() {
            held--;
        }
    }

    private static boolean active(int pid) throws SQLException {
        try (Connection c = connect();
             PreparedStatement st = c.prepareStatement("SELECT state FROM pg_stat_activity WHERE pid = ?")) {
            st.setInt(1, pid);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() && "active".equals(rs.getString(1));
            }
        }
    }

    private static void waitUntil(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.call()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within 30 s: " + what);
            Thread.sleep(10);
        }
    }

    private void warm() throws Exception {
        cancels.warm(key, PgCancelsTest::connect);
        waitUntil("the control connection is open", () -> cancels.ready(key));
    }

    @Test
    void shouldCancelTheStatementsAskedForMeanwhileInOneStatement() throws Exception {
        warm();
        List<Sleeper> six = new ArrayList<>();
        for (int i = 0; i < 6; i++) six.add(new Sleeper());
        for (Sleeper s : six) waitUntil("backend " + s.pid + " sleeps", () -> active(s.pid));

        // The first cancel's statement waits (in its hold) until the other five are asked for:
        // those it did not gather are sent together, as a second statement.
        CountDownLatch othersAsked = new CountDownLatch(1);
        Sleeper first = six.get(0);
        PgCancels.Target gated = new PgCancels.Target() {
            @Override
            public int pid() {
                return first.pid;
            }

            @Override
            public boolean hold() {
                try {
                    othersAsked.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return first.hold();
            }

            @Override
            public void release() {
                first.release();
            }
        };
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        answers.add(cancels.cancel(key, gated));
        for (Sleeper s : six.subList(1, 6)) answers.add(cancels.cancel(key, s));
        othersAsked.countDown();

        for (CompletableFuture<Boolean> a : answers) assertTrue(a.get(30, TimeUnit.SECONDS));
        for (Sleeper s : six) assertEquals("57014", s.ended.get(30, TimeUnit.SECONDS), "query_canceled for " + s.pid);
        // The first statement takes what came within its gathering; the rest, asked for while it
        // was in flight, go in one more: never a statement per cancel.
        assertTrue(cancels.batches() <= 2, cancels.batches() + " statements for six cancels");
        for (Sleeper s : six) assertEquals(0, s.held, "released");
    }

    @Test
    void shouldNeverSignalByPidAStatementThatIsOver() throws Exception {
        warm();
        Sleeper s = new Sleeper();
        waitUntil("backend sleeps", () -> active(s.pid));
        s.over = true; // as a call whose statement has returned and that gives its connection back

        assertTrue(cancels.cancel(key, s).get(30, TimeUnit.SECONDS), "nothing was left to stop");
        Thread.sleep(200);
        assertTrue(active(s.pid), "the backend was not signalled");
        assertEquals(0, cancels.batches());
    }

    @Test
    void shouldTellTheCallerToCancelByItselfBeforeTheControlConnectionIsOpenAndAfterClose() throws Exception {
        Sleeper s = new Sleeper();
        waitUntil("backend sleeps", () -> active(s.pid));
        assertFalse(cancels.cancel(key, s).get(30, TimeUnit.SECONDS), "no control connection yet");
        warm();
        cancels.close();
        assertFalse(cancels.cancel(key, s).get(30, TimeUnit.SECONDS), "closed");
        assertTrue(active(s.pid));
    }

    @Test
    void shouldDropABrokenControlConnectionAndOpenANewOneForTheNextCall() throws Exception {
        warm();
        // The server ends the control connection (as an idle_session_timeout or a restart would).
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()"
                        + " AND state = 'idle'")) {
            st.setString(1, db);
            st.execute();
        }
        Sleeper s = new Sleeper();
        waitUntil("backend sleeps", () -> active(s.pid));
        assertFalse(cancels.cancel(key, s).get(30, TimeUnit.SECONDS), "the broken one could not send it");
        assertEquals(0, s.held, "released after the failed statement");
        assertFalse(cancels.ready(key), "dropped");

        warm();
        assertTrue(cancels.cancel(key, s).get(30, TimeUnit.SECONDS));
        assertEquals("57014", s.ended.get(30, TimeUnit.SECONDS));
    }
}
