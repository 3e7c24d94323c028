package dev.andon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.testutil.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract on a real PostgreSQL server (the JVM's throwaway one), and upgrades there. */
class PostgresRunStoreTest extends RunStoreContract {
    @Override
    RunStore open() {
        return RunStores.open(StoreFixtures.postgresql());
    }

    @Test
    void shouldUpgradeAStoreOfSchemaVersion1() throws Exception {
        StoreSettings settings = StoreFixtures.postgresql();
        JdbcRunStore.migrateOnly(settings, "1");
        try (Connection c = DriverManager.getConnection(settings.url(), settings.user(), TestPostgres.shared().password());
             Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO andon_runs (id, job, status, trigger_kind, trigger_json, posted, call_names, call_count, "
                    + "submitted_at) VALUES ('r-v1', 'old', 'RUNNING', 'cli', '{\"kind\":\"cli\"}', 0, '[\"a\",\"b\"]', 2, 1000)");
            s.executeUpdate("INSERT INTO andon_calls (run_id, name, status, started_at) VALUES ('r-v1', 'a', 'RUNNING', 1)");
        }
        try (RunStore upgraded = RunStores.open(settings)) {
            Recovery.Result r = new Recovery(upgraded, new StoreFixtures.FakeTable("boot-1"), StoreFixtures.ALIVE,
                    Duration.ofMillis(10), System::currentTimeMillis).run();
            assertEquals(List.of("r-v1"), r.interrupted().stream().map(dev.andon.run.RunReport::id).toList());
            assertEquals(List.of(dev.andon.run.CallStatus.LOST, dev.andon.run.CallStatus.CANCELLED),
                    upgraded.run("r-v1").orElseThrow().report().calls().stream().map(dev.andon.run.CallReport::status).toList());
        }
    }

    @Test
    void shouldUpgradeAStoreOfSchemaVersion2() throws Exception {
        StoreSettings settings = StoreFixtures.postgresql();
        JdbcRunStore.migrateOnly(settings, "2");
        try (Connection c = DriverManager.getConnection(settings.url(), settings.user(), TestPostgres.shared().password());
             Statement s = c.createStatement()) {
            s.executeUpdate(StoreFixtures.V2_SCHEDULED_RUN);
        }
        try (RunStore upgraded = RunStores.open(settings)) {
            StoreFixtures.assertUpgradedFromVersion2(upgraded);
        }
    }

    @Test
    void shouldSayInOneLineThatTheServerIsDown() {
        StoreSettings d = StoreFixtures.defaults();
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        StoreSettings down = new StoreSettings(StoreSettings.Kind.POSTGRESQL, Path.of("unused"),
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/andon", "andon", "", d.poolSize(), d.flushInterval(),
                d.busyTimeout(), Duration.ofSeconds(2), d.retryBackoff(), d.maxRetryBackoff(), d.maxRuns(), d.maxAge(),
                d.retentionInterval());
        StoreException e = assertThrows(StoreException.class, () -> RunStores.open(down));
        assertTrue(e.getMessage().startsWith("store jdbc:postgresql://127.0.0.1:" + closedPort + "/andon: cannot connect: "),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
