package dev.andon.store;

import static dev.andon.store.StoreFixtures.ALIVE;
import static dev.andon.store.StoreFixtures.DEAD;
import static dev.andon.store.StoreFixtures.call;
import static dev.andon.store.StoreFixtures.report;
import static dev.andon.store.StoreFixtures.submission;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** What every store does, whatever it keeps its runs in: each kind's test runs these against it. */
abstract class RunStoreContract extends StoreTest {
    static final Instant T0 = Instant.parse("2026-11-25T21:00:00Z");

    @Test
    void shouldKeepARunFromSubmissionToReport() {
        store.submitted(new RunStore.Submission("r-1", "nightly", Trigger.rerun("r-0"), "{\"calls\":[{\"name\":\"a\"}]}",
                true, List.of("a", "b", "c"), T0, ALIVE)).toCompletableFuture().join();
        RunStore.StoredRun live = store.run("r-1").orElseThrow();
        assertFalse(live.finished());
        assertEquals(RunStatus.RUNNING, live.summary().status());
        assertEquals(List.of("a", "b", "c"), live.calls());
        assertEquals(Trigger.rerun("r-0"), live.summary().trigger());
        assertTrue(live.posted());
        assertEquals(ALIVE, live.owner());

        CallReport a = call("a", CallStatus.SUCCEEDED, T0, T0.plusMillis(5));
        CallReport b = call("b", CallStatus.FAILED, T0, T0.plusMillis(7));
        CallReport c = new CallReport("c", CallStatus.CANCELLED, 0, null, null, null, null, null, null, null, null, null, null);
        store.callStarted("r-1", "a", T0);
        store.callStarted("r-1", "b", T0);
        store.callFinished("r-1", a);
        store.abortRequested("r-1", "b failed", T0.plusMillis(7));
        store.callFinished("r-1", b);
        store.callFinished("r-1", c);
        RunReport report = new RunReport("r-1", "nightly", RunStatus.FAILED, new RunReport.Cause("b", b.error()), "b failed",
                T0, T0.plusMillis(9), 9L, List.of(a, b, c), T0.plusMillis(7), Trigger.rerun("r-0"));
        store.finished(report).toCompletableFuture().join();

        RunStore.StoredRun done = store.run("r-1").orElseThrow();
        assertTrue(done.finished());
        assertEquals(report, done.report());
        assertEquals("r-0", done.report().rerunOf());
        assertEquals(RunStatus.FAILED, done.summary().status());
        assertEquals(T0.plusMillis(9), done.summary().finishedAt());
        assertTrue(store.run("r-nope").isEmpty());
    }

    @Test
    void shouldListNewestFirstWithFiltersAndPages() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String id = "r-" + i;
            ids.add(id);
            // two runs in the same millisecond: the id breaks the tie
            store.submitted(submission(id, i % 2 == 0 ? "even" : "odd", T0.plusMillis(i / 2 * 2L + (i == 6 ? 1 : 0)), ALIVE, "x"));
            if (i < 5) store.finished(report(id, i % 2 == 0 ? "even" : "odd", i == 3 ? RunStatus.FAILED : RunStatus.SUCCEEDED,
                    T0, T0.plusMillis(10 + i), List.of(call("x", CallStatus.SUCCEEDED, T0, T0.plusMillis(1)))));
        }
        store.flush().toCompletableFuture().join();
        assertEquals(List.of("r-6", "r-5", "r-4", "r-3", "r-2", "r-1", "r-0"), idsOf(store.runs(new RunStore.RunQuery(null, null, 100, null))));
        assertEquals(List.of("r-6", "r-5", "r-4"), idsOf(store.runs(new RunStore.RunQuery(null, null, 3, null))));
        assertEquals(List.of("r-3", "r-2", "r-1"), idsOf(store.runs(new RunStore.RunQuery(null, null, 3, "r-4"))));
        assertEquals(List.of("r-0"), idsOf(store.runs(new RunStore.RunQuery(null, null, 3, "r-1"))));
        assertEquals(List.of("r-6", "r-4", "r-2", "r-0"), idsOf(store.runs(new RunStore.RunQuery("even", null, 10, null))));
        assertEquals(List.of("r-3"), idsOf(store.runs(new RunStore.RunQuery(null, RunStatus.FAILED, 10, null))));
        assertEquals(List.of("r-6", "r-5"), idsOf(store.runs(new RunStore.RunQuery(null, RunStatus.RUNNING, 10, null))));
        assertThrows(IllegalArgumentException.class, () -> store.runs(new RunStore.RunQuery(null, null, 3, "r-unknown")));
        assertEquals(List.of("r-5", "r-6"), store.unfinished().stream().map(RunStore.StoredRun::id).toList());
    }

    @Test
    void shouldRecoverOnlyTheRunsOfDeadAndons() {
        StoreFixtures.FakeTable table = new StoreFixtures.FakeTable("boot-1");
        table.add(ALIVE.pid(), ALIVE.pid(), ALIVE.startTime(), null);
        table.add(DEAD.pid(), DEAD.pid(), DEAD.startTime() + 1, null); // the dead one's pid, reused since
        store.submitted(submission("r-dead", "j", T0, DEAD, "done", "running", "queued"));
        store.callStarted("r-dead", "done", T0);
        store.callFinished("r-dead", call("done", CallStatus.SUCCEEDED, T0, T0.plusMillis(3)));
        store.callStarted("r-dead", "running", T0.plusMillis(1));
        store.submitted(submission("r-alive", "j", T0, ALIVE, "x"));
        store.submitted(submission("r-elsewhere", "j", T0, new RunStore.Owner("other-host", "boot-9", 1, 1), "x"));
        store.submitted(submission("r-old-boot", "j", T0, new RunStore.Owner("test-host", "boot-0", ALIVE.pid(), ALIVE.startTime()), "x"));
        store.flush().toCompletableFuture().join();

        RunStore.Owner self = new RunStore.Owner("test-host", "boot-1", 5_000_000, 1);
        Instant now = T0.plusSeconds(60);
        Recovery.Result result = new Recovery(store, table, self, Duration.ofMillis(100), now::toEpochMilli).run();

        assertEquals(List.of("r-dead", "r-old-boot"), result.interrupted().stream().map(RunReport::id).sorted().toList());
        RunReport dead = store.run("r-dead").orElseThrow().report();
        assertEquals(RunStatus.INTERRUPTED, dead.status());
        assertEquals(List.of(CallStatus.SUCCEEDED, CallStatus.LOST, CallStatus.CANCELLED),
                dead.calls().stream().map(CallReport::status).toList());
        assertEquals("ok done", dead.calls().get(0).result());
        assertEquals(T0.plusMillis(1), dead.calls().get(1).startedAt());
        assertEquals(Recovery.LOST_ERROR, dead.calls().get(1).error());
        assertEquals(Trigger.API, dead.trigger());
        assertFalse(store.run("r-alive").orElseThrow().finished());
        assertFalse(store.run("r-elsewhere").orElseThrow().finished());
        assertEquals(0, result.orphansKilled());
        assertEquals(List.of(), table.signals, "no process of a reused pid is signalled");
        // A second start finds nothing more to do.
        assertEquals(0, new Recovery(store, table, self, Duration.ofMillis(100), now::toEpochMilli).run().interrupted().size());
    }

    @Test
    void shouldStopTheProcessesOfInterruptedRunsButNeverAReusedPid() {
        StoreFixtures.FakeTable table = new StoreFixtures.FakeTable("boot-1");
        store.submitted(submission("r-crashed", "j", T0, DEAD, "tree", "daemon", "reused"));
        store.callStarted("r-crashed", "tree", T0);
        store.callStarted("r-crashed", "reused", T0);
        // tree: group 100 (leader and a child in the group); daemon: escaped its group, found by its environment;
        // reused: pid 300 recorded, but the process there now started at another time.
        store.processStarted(new RunStore.ProcessRecord("r-crashed", "tree", 100, 1000, "boot-1", Duration.ofMillis(50)));
        store.processStarted(new RunStore.ProcessRecord("r-crashed", "reused", 300, 3000, "boot-1", Duration.ofMillis(50)));
        store.processStarted(new RunStore.ProcessRecord("r-crashed", "reused", 400, 4000, "boot-0", Duration.ofMillis(50)));
        store.flush().toCompletableFuture().join();
        table.add(100, 100, 1000, null);
        table.add(101, 100, 1001, null);
        table.add(200, 200, 2000, "r-crashed");
        table.add(300, 300, 3333, null);
        table.add(400, 400, 4000, null); // same start time, but recorded in another boot
        table.add(500, 500, 5000, "r-someone-else");

        Recovery.Result result = new Recovery(store, table, ALIVE, Duration.ofMillis(50), System::currentTimeMillis).run();

        assertEquals(3, result.orphansKilled());
        assertEquals(List.of("TERM 100", "TERM 101", "TERM 200"), table.signals.stream().sorted().toList());
        assertTrue(table.procs.containsKey(300L) && table.procs.containsKey(400L) && table.procs.containsKey(500L));
    }

    @Test
    void shouldPruneFinishedRunsByFinishTimeAndNeverALiveOne() {
        // r-0 finishes last although submitted first: it is the newest by finish time.
        for (int i = 0; i < 5; i++) store.submitted(submission("r-" + i, "j", T0.plusMillis(i), ALIVE, "x"));
        store.submitted(submission("r-live", "j", T0.minusSeconds(3600 * 24 * 365), ALIVE, "x"));
        for (int i = 1; i < 5; i++)
            store.finished(report("r-" + i, "j", RunStatus.SUCCEEDED, T0, T0.plusSeconds(i), List.of()));
        store.finished(report("r-0", "j", RunStatus.SUCCEEDED, T0, T0.plusSeconds(100), List.of()));
        store.flush().toCompletableFuture().join();

        assertEquals(2, store.prune(3, Duration.ofDays(90), T0.plusSeconds(200)));
        assertEquals(List.of("r-0", "r-3", "r-4", "r-live"),
                store.runs(new RunStore.RunQuery(null, null, 10, null)).stream().map(RunStore.RunSummary::id).sorted().toList());
        assertEquals(2, store.prune(100, Duration.ofSeconds(150), T0.plusSeconds(200)));
        assertEquals(List.of("r-0", "r-live"),
                store.runs(new RunStore.RunQuery(null, null, 10, null)).stream().map(RunStore.RunSummary::id).sorted().toList());
        assertTrue(store.calls("r-1").isEmpty());
    }

    @Test
    void shouldCommitManyCallsInOrderBeforeTheReport() {
        int n = 5_000;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) names.add("c" + i);
        store.submitted(new RunStore.Submission("r-big", "big", Trigger.CLI, null, false, names, T0, ALIVE));
        List<CallReport> calls = new ArrayList<>();
        for (String name : names) {
            store.callStarted("r-big", name, T0);
            CallReport c = call(name, CallStatus.SUCCEEDED, T0, T0.plusMillis(1));
            calls.add(c);
            store.callFinished("r-big", c);
        }
        CompletableFuture<Void> done = store.finished(report("r-big", "big", RunStatus.SUCCEEDED, T0, T0.plusMillis(2), calls))
                .toCompletableFuture();
        done.join();
        RunReport stored = store.run("r-big").orElseThrow().report();
        assertEquals(n, stored.calls().size());
        assertEquals(calls, stored.calls());
        assertEquals(Trigger.CLI, stored.trigger());
        assertNull(store.run("r-big").orElseThrow().spec());
    }

    @Test
    void shouldCommitEveryCallOfManyRunsToldFromManyThreadsAtOnce() throws Exception {
        // Runs' call starts and ends told from several threads at once, in a random order of runs
        // and with random pauses (a buffer is being taken while others add to it): every outcome
        // reads back as told, before each run's report is committed; a live run's starts are
        // there once flushed, its ends over them.
        long seed = System.nanoTime();
        java.util.Random seeds = new java.util.Random(seed);
        int runs = 6, perRun = 1_500, threads = 6;
        List<String> names = new ArrayList<>();
        for (int i = 0; i < perRun; i++) names.add("c" + i);
        List<String> ids = new ArrayList<>();
        for (int r = 0; r <= runs; r++) {
            String id = r == runs ? "r-live" : "r-" + r;
            ids.add(id);
            store.submitted(new RunStore.Submission(id, "many", Trigger.API, null, false, names, T0, ALIVE)).toCompletableFuture().join();
        }
        CallReport[][] told = new CallReport[runs + 1][perRun];
        java.util.concurrent.atomic.AtomicInteger[] left = new java.util.concurrent.atomic.AtomicInteger[runs];
        for (int r = 0; r < runs; r++) left[r] = new java.util.concurrent.atomic.AtomicInteger(perRun);
        List<CompletableFuture<Void>> reports = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> tellers = new ArrayList<>();
        java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            java.util.Random random = new java.util.Random(seeds.nextLong());
            Thread teller = new Thread(() -> {
                try {
                    for (int i = me; i < perRun; i += threads) {
                        for (int r : random.ints(0, runs + 1).distinct().limit(runs + 1).toArray()) {
                            String id = ids.get(r);
                            Instant start = T0.plusNanos(random.nextInt(1_000_000_000));
                            store.callStarted(id, names.get(i), start);
                            if (random.nextInt(50) == 0) Thread.sleep(1);
                            if (r == runs && i % 3 == 0) continue; // the live run: a third of its calls never end
                            Instant end = start.plusNanos(random.nextInt(5_000_000));
                            CallReport.Builder b = CallReport.builder(names.get(i), i % 101 == 0 ? CallStatus.LOST : CallStatus.SUCCEEDED)
                                    .attempts(1).ran(start, i % 101 == 0 ? null : end).thread("andon-blocking-" + me);
                            if (i % 101 != 0) b.durationMillis(end.toEpochMilli() - start.toEpochMilli());
                            if (i % 97 == 0) b.result("r" + i);
                            CallReport c = b.build();
                            told[r][i] = c;
                            store.callFinished(id, c);
                            if (r < runs && left[r].decrementAndGet() == 0)
                                reports.add(store.finished(report(id, "many", RunStatus.SUCCEEDED, T0, T0.plusSeconds(2),
                                        List.of(told[r]))).toCompletableFuture());
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "teller-" + t);
            tellers.add(teller);
            teller.start();
        }
        for (Thread t : tellers) t.join();
        assertTrue(failures.isEmpty(), () -> "seed " + seed + ": " + failures);
        assertEquals(runs, reports.size());
        CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new)).get(60, java.util.concurrent.TimeUnit.SECONDS);
        for (int r = 0; r < runs; r++) {
            List<CallReport> stored = store.run(ids.get(r)).orElseThrow().report().calls();
            assertEquals(perRun, stored.size(), "seed " + seed + ", run " + r);
            for (int i = 0; i < perRun; i++)
                assertEquals(told[r][i], stored.get(i), "seed " + seed + ", run " + r + ", call " + i);
        }
        store.flush().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
        List<RunStore.CallRow> live = store.calls("r-live");
        assertEquals(perRun, live.size(), "seed " + seed);
        for (RunStore.CallRow row : live) {
            int i = Integer.parseInt(row.name().substring(1));
            if (i % 3 == 0) {
                assertEquals(CallStatus.RUNNING, row.status(), "seed " + seed + ", " + row);
                assertNull(row.report(), "seed " + seed + ", " + row);
            } else {
                assertEquals(told[runs][i], row.report(), "seed " + seed + ", " + row);
            }
        }
    }

    private static List<String> idsOf(List<RunStore.RunSummary> runs) {
        return runs.stream().map(RunStore.RunSummary::id).toList();
    }
}
