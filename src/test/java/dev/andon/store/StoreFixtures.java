package dev.andon.store;

import com.typesafe.config.ConfigFactory;
import dev.andon.call.ProcessTable;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import dev.andon.testutil.TestPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Stores to test against (a fresh SQLite file, a fresh PostgreSQL database) and runs to put in them. */
final class StoreFixtures {
    private StoreFixtures() {
    }

    static StoreSettings defaults() {
        return StoreSettings.from(ConfigFactory.defaultReference());
    }

    static StoreSettings sqlite(Path dir) {
        return sqlite(dir, Duration.ofMillis(10));
    }

    /** As {@link #sqlite(Path)}, its writer waiting up to {@code flushInterval} for more call outcomes. */
    static StoreSettings sqlite(Path dir, Duration flushInterval) {
        StoreSettings d = defaults();
        return new StoreSettings(StoreSettings.Kind.SQLITE, dir.resolve("data").resolve("andon.db"), "", "", "",
                d.poolSize(), flushInterval, d.busyTimeout(), Duration.ofSeconds(10), Duration.ofMillis(20),
                Duration.ofMillis(200), d.maxRuns(), d.maxAge(), d.retentionInterval());
    }

    /** A fresh database of the JVM's throwaway PostgreSQL server. */
    static StoreSettings postgresql() {
        TestPostgres pg = TestPostgres.shared();
        String db = pg.createDatabase();
        StoreSettings d = defaults();
        return new StoreSettings(StoreSettings.Kind.POSTGRESQL, Path.of("unused"),
                pg.jdbcUrl(db) + "?password=" + pg.password(), pg.user(), "", d.poolSize(), Duration.ofMillis(10),
                d.busyTimeout(), Duration.ofSeconds(10), Duration.ofMillis(20), Duration.ofMillis(200), d.maxRuns(),
                d.maxAge(), d.retentionInterval());
    }

    static Path tempDir() {
        try {
            return Files.createTempDirectory("andon-store-test");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static final RunStore.Owner DEAD = new RunStore.Owner("test-host", "boot-1", 4_000_000, 77);
    static final RunStore.Owner ALIVE = new RunStore.Owner("test-host", "boot-1", 4_000_001, 88);

    static RunStore.Submission submission(String id, String job, Instant at, RunStore.Owner owner, String... calls) {
        return new RunStore.Submission(id, job, Trigger.API, "{\"calls\":[]}", false, List.of(calls), at, owner);
    }

    static CallReport call(String name, CallStatus status, Instant start, Instant end) {
        return new CallReport(name, status, 1, start, end, end.toEpochMilli() - start.toEpochMilli(),
                status == CallStatus.SUCCEEDED ? "ok " + name : null,
                status == CallStatus.FAILED ? "java.lang.IllegalStateException: " + name : null, null, "andon-blocking-1",
                null, null, Map.of("exitCode", 0));
    }

    static RunReport report(String id, String job, RunStatus status, Instant start, Instant end, List<CallReport> calls) {
        return new RunReport(id, job, status, null, null, start, end, end.toEpochMilli() - start.toEpochMilli(), calls);
    }

    /** A run of a schedule's fire of 2026-01-01T00:00Z as version 2 wrote it (its fire in the journal file then). */
    static final String V2_SCHEDULED_RUN = "INSERT INTO andon_runs (id, job, status, trigger_kind, trigger_json, posted, "
            + "call_names, call_count, submitted_at, owner_host, owner_boot, owner_pid, owner_start) VALUES ('r-v2', 'nightly', "
            + "'RUNNING', 'schedule', '{\"kind\":\"schedule\",\"fireTime\":\"2026-01-01T00:00:00Z\",\"manual\":false}', 0, "
            + "'[\"a\"]', 1, 1767225600005, 'test-host', 'boot-0', 4000000, 77)";

    /**
     * A store upgraded from version 2 keeps its runs, has no schedule recorded yet (the journal's
     * are not carried over: their schedules begin again from the upgrade), and records fires.
     */
    static void assertUpgradedFromVersion2(RunStore store) {
        RunStore.StoredRun old = store.run("r-v2").orElseThrow();
        org.junit.jupiter.api.Assertions.assertEquals(Trigger.schedule(Instant.parse("2026-01-01T00:00:00Z"), false),
                old.summary().trigger());
        org.junit.jupiter.api.Assertions.assertEquals(new RunStore.Owner("test-host", "boot-0", 4_000_000, 77), old.owner());
        org.junit.jupiter.api.Assertions.assertEquals(Map.of(), store.schedules());
        Instant next = Instant.parse("2026-01-02T00:00:00Z");
        store.submitted(ScheduleFiresContract.fired("r-v3", "nightly", next, false)).toCompletableFuture().join();
        org.junit.jupiter.api.Assertions.assertInstanceOf(RunStore.FiredBefore.class, org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class,
                () -> store.submitted(ScheduleFiresContract.fired("r-again", "nightly", next, false)).toCompletableFuture().join())
                .getCause());
        org.junit.jupiter.api.Assertions.assertEquals(new RunStore.ScheduleState(next, false, next, "r-v3", RunStatus.RUNNING,
                1, 0, 0), store.schedules().get("nightly"));
    }

    /** A process table with exactly the processes put in it, and a log of the signals sent. */
    static final class FakeTable implements ProcessTable {
        final Map<Long, Proc> procs = new HashMap<>();
        final Map<Long, Map<String, String>> env = new HashMap<>();
        final List<String> signals = new ArrayList<>();
        final String boot;

        FakeTable(String boot) {
            this.boot = boot;
        }

        void add(long pid, long pgrp, long start, String runId) {
            procs.put(pid, new Proc(pid, pgrp, start));
            if (runId != null) env.put(pid, Map.of("ANDON_RUN_ID", runId, "ANDON_CALL", "c"));
        }

        @Override
        public String bootId() {
            return boot;
        }

        @Override
        public List<Proc> all() {
            return List.copyOf(procs.values());
        }

        @Override
        public Proc get(long pid) {
            return procs.get(pid);
        }

        @Override
        public String environ(long pid, String name) {
            return env.getOrDefault(pid, Map.of()).get(name);
        }

        @Override
        public boolean signal(long pid, long startTime, boolean kill) {
            Proc p = procs.get(pid);
            if (p == null || p.startTime() != startTime) return false;
            signals.add((kill ? "KILL " : "TERM ") + pid);
            procs.remove(pid); // it obeys at once
            return true;
        }
    }
}
