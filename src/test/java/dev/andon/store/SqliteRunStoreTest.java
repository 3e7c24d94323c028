package dev.andon.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The contract on SQLite, and what is SQLite's own: the file, its permissions, WAL, upgrades. */
class SqliteRunStoreTest extends RunStoreContract {
    private final Path dir = StoreFixtures.tempDir();

    @Override
    RunStore open() {
        return RunStores.open(StoreFixtures.sqlite(dir));
    }

    @Test
    void shouldCreateItsFileAndFolderForItsOwnerOnly() throws Exception {
        Path file = StoreFixtures.sqlite(dir).path();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
             var rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertEquals("wal", rs.getString(1));
        }
    }

    @Test
    void shouldGoOnFromItsCommitsOffTheWriterThreadAndTellThemAllBeforeItHasClosed() throws Exception {
        // What waits for a commit (a 202's JSON, the registry's news) must not run on the writer,
        // between its commits; and close() returns only once every commit has been told.
        java.util.Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger told = new java.util.concurrent.atomic.AtomicInteger();
        int n = 200;
        for (int i = 0; i < n; i++) {
            store.submitted(StoreFixtures.submission("r-" + i, "j", T0.plusMillis(i), StoreFixtures.ALIVE, "x"))
                    .thenRun(() -> {
                        threads.add(Thread.currentThread().getName());
                        told.incrementAndGet();
                    });
        }
        store.close();
        assertEquals(n, told.get(), "every commit told before close returned");
        assertFalse(threads.contains("andon-store-writer"), threads::toString);
        assertTrue(threads.contains("andon-store-done"), threads::toString);
    }

    @Test
    void shouldWriteCallsWithinItsFlushIntervalAndWhatSomeoneWaitsForAtOnce() throws Exception {
        // The writer gathers call outcomes for its flush interval, woken by none of them; a write
        // someone waits for wakes it (a run's end, a submission), and what it gathered is committed with it.
        store.close();
        Path other = StoreFixtures.tempDir();
        try (RunStore slow = RunStores.open(StoreFixtures.sqlite(other, java.time.Duration.ofSeconds(60)));
             RunStore quick = RunStores.open(StoreFixtures.sqlite(StoreFixtures.tempDir(), java.time.Duration.ofMillis(300)))) {
            for (RunStore s : List.of(slow, quick))
                s.submitted(StoreFixtures.submission("r", "j", T0, StoreFixtures.ALIVE, "a", "b")).toCompletableFuture().join();
            for (RunStore s : List.of(slow, quick)) s.callStarted("r", "a", T0);
            // quick: its flush interval ends the gather; nothing else comes to wake it.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (quick.calls("r").stream().noneMatch(c -> c.name().equals("a") && c.status() == dev.andon.run.CallStatus.RUNNING)) {
                assertTrue(System.nanoTime() < deadline, "a call's start not committed within 20 s of a 300 ms flush interval");
                Thread.sleep(20);
            }
            // slow: 60 s of gathering, cut short by a submission someone waits for.
            slow.callStarted("r", "b", T0.plusMillis(1));
            long t0 = System.nanoTime();
            slow.submitted(StoreFixtures.submission("r2", "j", T0, StoreFixtures.ALIVE, "x")).toCompletableFuture()
                    .get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - t0 < java.util.concurrent.TimeUnit.SECONDS.toNanos(20));
            assertEquals(List.of("a", "b"), slow.calls("r").stream().map(RunStore.CallRow::name).sorted().toList());
        } finally {
            store = open(); // for closeStore
        }
    }

    @Test
    void shouldWriteARunsCallsAChunkAtATimeWithoutWaitingForItsFlushInterval() throws Exception {
        // A run of many short calls: once its buffer holds a chunk, the writer writes it then,
        // not at the end of a 60 s gather, so that the run's end waits for the last chunk only.
        store.close();
        int chunk = JdbcRunStore.CHUNK_ENTRIES;
        String[] names = new String[chunk];
        for (int i = 0; i < chunk; i++) names[i] = "c" + i;
        try (RunStore slow = RunStores.open(StoreFixtures.sqlite(StoreFixtures.tempDir(), java.time.Duration.ofSeconds(60)))) {
            slow.submitted(StoreFixtures.submission("r", "j", T0, StoreFixtures.ALIVE, names)).toCompletableFuture().join();
            for (int i = 0; i < chunk - 1; i++) slow.callStarted("r", names[i], T0.plusMillis(i));
            Thread.sleep(500);
            assertEquals(0, slow.calls("r").stream().filter(c -> c.status() == dev.andon.run.CallStatus.RUNNING).count(),
                    "one entry short of a chunk: still gathered");
            slow.callStarted("r", names[chunk - 1], T0.plusMillis(chunk));
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
            while (slow.calls("r").stream().filter(c -> c.status() == dev.andon.run.CallStatus.RUNNING).count() < chunk) {
                assertTrue(System.nanoTime() < deadline, "a chunk of call starts not committed within 20 s (flush interval 60 s)");
                Thread.sleep(20);
            }
        } finally {
            store = open(); // for closeStore
        }
    }

    @Test
    void shouldFailEveryWaitedForWriteOnceClosedNotHangIt() {
        store.close();
        // Each used to be a future nobody would ever complete: flush() and prune() after close hung.
        assertClosedFailure(store.flush());
        assertClosedFailure(store.submitted(StoreFixtures.submission("r-late", "j", T0, StoreFixtures.ALIVE, "x")));
        assertClosedFailure(store.scheduleChanged(new RunStore.SchedulePaused("j", true, T0)));
        assertClosedFailure(store.finished(StoreFixtures.report("r-late", "j", dev.andon.run.RunStatus.SUCCEEDED, T0,
                T0.plusMillis(1), List.of())));
        Exception e = assertThrows(Exception.class, () -> org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(10), () -> store.prune(1, java.time.Duration.ofDays(1), T0)));
        assertTrue(String.valueOf(e.getMessage()).contains("closed"), e::toString);
    }

    @Test
    void shouldTellEveryWriteThatRacesItsCloseOneWayOrTheOther() throws Exception {
        // Writers that saw the store open while close() began: each write is committed or failed, none left waiting.
        for (int round = 0; round < 8; round++) {
            RunStore s = round == 0 ? store : RunStores.open(StoreFixtures.sqlite(StoreFixtures.tempDir()));
            List<java.util.concurrent.CompletableFuture<Void>> writes = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            java.util.concurrent.CountDownLatch going = new java.util.concurrent.CountDownLatch(4);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Thread> threads = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    going.countDown();
                    // Until the store says closed at once: a few writes each after close, not thousands of warnings.
                    for (int i = 0; !stop.get() && i < 5_000; i++) {
                        java.util.concurrent.CompletableFuture<Void> w = s.submitted(StoreFixtures.submission(
                                "r-" + id + "-" + i, "j", T0, StoreFixtures.ALIVE)).toCompletableFuture();
                        writes.add(w);
                        if (w.isCompletedExceptionally()) break;
                    }
                });
                th.start();
                threads.add(th);
            }
            going.await();
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(0, 5));
            s.close();
            stop.set(true);
            for (Thread th : threads) th.join();
            for (java.util.concurrent.CompletableFuture<Void> w : List.copyOf(writes)) {
                try {
                    w.get(10, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException closed) {
                    assertTrue(closed.getCause().getMessage().contains("closed"), closed::toString);
                }
            }
        }
    }

    private static void assertClosedFailure(java.util.concurrent.CompletionStage<?> stage) {
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> stage.toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("closed"), e::toString);
    }

    @Test
    void shouldShareItsFileWithAnotherStoreOpenAtTheSameTime() {
        try (RunStore other = open()) {
            store.submitted(StoreFixtures.submission("r-a", "j", T0, StoreFixtures.ALIVE, "x")).toCompletableFuture().join();
            other.submitted(StoreFixtures.submission("r-b", "j", T0.plusMillis(1), StoreFixtures.ALIVE, "x")).toCompletableFuture().join();
            assertEquals(List.of("r-b", "r-a"), store.runs(new RunStore.RunQuery(null, null, 10, null)).stream()
                    .map(RunStore.RunSummary::id).toList());
        }
    }

    @Test
    void shouldSayInOneLineWhyItCannotOpen() throws Exception {
        Path blocked = Files.createTempDirectory("andon-blocked");
        Files.writeString(blocked.resolve("data"), "a file where the folder should be");
        StoreException e = assertThrows(StoreException.class, () -> RunStores.open(StoreFixtures.sqlite(blocked)));
        assertTrue(e.getMessage().startsWith("store " + blocked.resolve("data/andon.db") + ": cannot create it"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void shouldUpgradeAStoreOfSchemaVersion1() throws Exception {
        store.close();
        Path old = StoreFixtures.tempDir();
        StoreSettings settings = StoreFixtures.sqlite(old);
        Files.createDirectories(settings.path().getParent());
        JdbcRunStore.migrateOnly(settings, "1");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + settings.path()); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO andon_runs (id, job, status, trigger_kind, trigger_json, posted, call_names, call_count, "
                    + "submitted_at) VALUES ('r-v1', 'old', 'RUNNING', 'cli', '{\"kind\":\"cli\"}', 0, '[\"a\"]', 1, "
                    + Instant.parse("2026-01-01T00:00:00Z").toEpochMilli() + ")");
            s.executeUpdate("INSERT INTO andon_calls (run_id, name, status, started_at) VALUES ('r-v1', 'a', 'RUNNING', 1)");
        }
        store = RunStores.open(settings);
        RunStore.StoredRun v1 = store.run("r-v1").orElseThrow();
        assertEquals(null, v1.owner());
        // Written before owners were recorded: interrupted at the first start.
        Recovery.Result r = new Recovery(store, new StoreFixtures.FakeTable("boot-1"), StoreFixtures.ALIVE,
                java.time.Duration.ofMillis(10), System::currentTimeMillis).run();
        assertEquals(List.of("r-v1"), r.interrupted().stream().map(dev.andon.run.RunReport::id).toList());
        assertEquals(dev.andon.run.CallStatus.LOST, store.run("r-v1").orElseThrow().report().calls().get(0).status());
    }

    @Test
    void shouldUpgradeAStoreOfSchemaVersion2() throws Exception {
        store.close();
        StoreSettings settings = StoreFixtures.sqlite(StoreFixtures.tempDir());
        Files.createDirectories(settings.path().getParent());
        JdbcRunStore.migrateOnly(settings, "2");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + settings.path()); Statement s = c.createStatement()) {
            s.executeUpdate(StoreFixtures.V2_SCHEDULED_RUN);
        }
        store = RunStores.open(settings);
        StoreFixtures.assertUpgradedFromVersion2(store);
    }

    @Test
    void shouldReadTheCallsAStoreOfSchemaVersion2WroteARowEach() throws Exception {
        store.close();
        StoreSettings settings = StoreFixtures.sqlite(StoreFixtures.tempDir());
        Files.createDirectories(settings.path().getParent());
        JdbcRunStore.migrateOnly(settings, "2");
        dev.andon.run.CallReport done = dev.andon.run.CallReport.builder("a", dev.andon.run.CallStatus.FAILED).attempts(1)
                .ran(T0, T0.plusMillis(7)).durationMillis(7L).error("exit 3").thread("andon-blocking-1").build();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + settings.path()); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO andon_runs (id, job, status, trigger_kind, trigger_json, posted, call_names, call_count, "
                    + "submitted_at, owner_host, owner_boot, owner_pid, owner_start) VALUES ('r-v2', 'old', 'RUNNING', 'cli', "
                    + "'{\"kind\":\"cli\"}', 0, '[\"a\",\"b\",\"c\"]', 3, " + T0.toEpochMilli() + ", 'gone-host', 'b', 1, 1)");
            s.executeUpdate("INSERT INTO andon_calls (run_id, name, status, started_at, finished_at, report) VALUES ('r-v2', 'a', "
                    + "'FAILED', " + T0.toEpochMilli() + ", 2, '" + dev.andon.run.ReportJson.toJson(done) + "')");
            s.executeUpdate("INSERT INTO andon_calls (run_id, name, status, started_at) VALUES ('r-v2', 'b', 'RUNNING', 5)");
        }
        store = RunStores.open(settings);
        assertEquals(List.of("a", "b", "c"), store.run("r-v2").orElseThrow().calls());
        List<RunStore.CallRow> rows = store.calls("r-v2");
        assertEquals(List.of(new RunStore.CallRow("a", dev.andon.run.CallStatus.FAILED, T0, done),
                new RunStore.CallRow("b", dev.andon.run.CallStatus.RUNNING, Instant.ofEpochMilli(5), null)), rows);
        // A new outcome of an old run goes to the call log, and wins over its row.
        store.callFinished("r-v2", dev.andon.run.CallReport.builder("b", dev.andon.run.CallStatus.LOST).attempts(1).build());
        store.flush().toCompletableFuture().join();
        assertEquals(dev.andon.run.CallStatus.LOST, store.calls("r-v2").get(1).status());
    }
}
