package dev.andon.store;

import static dev.andon.store.StoreFixtures.ALIVE;
import static dev.andon.store.StoreFixtures.report;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The schedules' records of every store: a fire and its run's submission are one write, a
 * scheduled (job, fire time) is taken at most once (by a run or by a skip), whoever tries again,
 * and a schedule's state (handled-through, pause, counts, last run) reads back as written.
 */
abstract class ScheduleFiresContract extends StoreTest {
    static final Instant T = Instant.parse("2026-11-25T21:00:00Z");

    /** Another store on the same data as {@link #store} (a second Andon sharing it). */
    abstract RunStore openAnother();

    static RunStore.Submission fired(String runId, String job, Instant fireTime, boolean manual) {
        return new RunStore.Submission(runId, job, Trigger.schedule(fireTime, manual, false), "{\"calls\":[]}", false,
                List.of("a"), fireTime.plusMillis(3), ALIVE);
    }

    private static Throwable failure(java.util.concurrent.CompletionStage<Void> stage) {
        try {
            stage.toCompletableFuture().join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void shouldRecordAFireWithItsRunAndRefuseTheSameFireASecondTime() {
        store.submitted(fired("r-1", "nightly", T, false)).toCompletableFuture().join();
        Throwable again = failure(store.submitted(fired("r-2", "nightly", T, false)));
        assertInstanceOf(RunStore.FiredBefore.class, again);
        assertTrue(store.run("r-2").isEmpty(), "the refused fire's run is not written");
        assertTrue(store.run("r-1").isPresent());
        // Another job's fire at the same time is another fire.
        store.submitted(fired("r-3", "other", T, false)).toCompletableFuture().join();

        RunStore.ScheduleState s = store.schedules().get("nightly");
        assertEquals(new RunStore.ScheduleState(T, false, T, "r-1", RunStatus.RUNNING, 1, 0, 0), s);
        assertEquals(1, store.schedules().get("other").fired());
    }

    @Test
    void shouldCountAManualFireWithoutTakingItsTimeOrMovingTheSchedule() {
        store.scheduleChanged(new RunStore.ScheduleBegun("j", T.minusSeconds(60))).toCompletableFuture().join();
        store.submitted(fired("r-m1", "j", T, true)).toCompletableFuture().join();
        store.submitted(fired("r-m2", "j", T, true)).toCompletableFuture().join();
        RunStore.ScheduleState s = store.schedules().get("j");
        assertEquals(T.minusSeconds(60), s.handledThrough());
        assertEquals(2, s.fired());
        assertEquals("r-m2", s.lastRunId());
        // The schedule's own fire of that time is still to be taken.
        store.submitted(fired("r-s", "j", T, false)).toCompletableFuture().join();
        assertEquals(T, store.schedules().get("j").handledThrough());
    }

    @Test
    void shouldLetASkipTakeAFireAndCountOnlyTheFirst() {
        store.scheduleChanged(new RunStore.FireSkipped("j", T, false, "the last run is live (overlap skip)"))
                .toCompletableFuture().join();
        assertInstanceOf(RunStore.FiredBefore.class, failure(store.submitted(fired("r-1", "j", T, false))));
        store.submitted(fired("r-2", "j", T.plusSeconds(60), false)).toCompletableFuture().join();
        // A skip of a fire taken by a run (a second Andon's) is not counted.
        store.scheduleChanged(new RunStore.FireSkipped("j", T.plusSeconds(60), false, "late")).toCompletableFuture().join();
        store.scheduleChanged(new RunStore.FireSkipped("j", T.plusSeconds(61), true, "manual, skipped")).toCompletableFuture().join();
        RunStore.ScheduleState s = store.schedules().get("j");
        assertEquals(2, s.skipped());
        assertEquals(1, s.fired());
        assertEquals(T.plusSeconds(60), s.handledThrough());
        assertTrue(store.run("r-1").isEmpty());
    }

    @Test
    void shouldRefuseAllButOneOfTheSameFireSubmittedTogether() {
        // Queued together: one transaction, or one write after the other.
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.add(store.submitted(fired("r-" + i, "j", T, false)).toCompletableFuture());
            all.add(store.submitted(StoreFixtures.submission("api-" + i, "j", T, ALIVE, "a")).toCompletableFuture());
        }
        long refused = all.stream().filter(f -> failure(f) instanceof RunStore.FiredBefore).count();
        assertEquals(4, refused);
        assertTrue(all.stream().allMatch(f -> failure(f) == null || failure(f) instanceof RunStore.FiredBefore));
        List<String> ids = store.runs(new RunStore.RunQuery("j", null, 100, null)).stream().map(RunStore.RunSummary::id).toList();
        assertEquals(6, ids.size(), ids.toString());
        assertEquals(1, ids.stream().filter(id -> id.startsWith("r-")).count(), ids.toString());
        assertEquals(1, store.schedules().get("j").fired());
    }

    @Test
    void shouldLetOnlyOneOfTwoStoresOnTheSameDataTakeEachFire() throws Exception {
        int fires = 40;
        try (RunStore other = openAnother()) {
            List<CompletableFuture<Void>> mine = new ArrayList<>();
            List<CompletableFuture<Void>> theirs = new ArrayList<>();
            Thread t = new Thread(() -> {
                for (int i = 0; i < fires; i++)
                    theirs.add(other.submitted(fired("b-" + i, "j", T.plusSeconds(i), false)).toCompletableFuture());
            });
            t.start();
            for (int i = 0; i < fires; i++)
                mine.add(store.submitted(fired("a-" + i, "j", T.plusSeconds(i), false)).toCompletableFuture());
            t.join();
            for (int i = 0; i < fires; i++) {
                Throwable a = failure(mine.get(i));
                Throwable b = failure(theirs.get(i));
                assertTrue((a == null) != (b == null), "fire " + i + ": " + a + " / " + b);
                assertInstanceOf(RunStore.FiredBefore.class, a == null ? b : a);
            }
        }
        assertEquals(fires, store.runs(new RunStore.RunQuery("j", null, 1000, null)).size());
        RunStore.ScheduleState s = store.schedules().get("j");
        assertEquals(fires, s.fired());
        assertEquals(T.plusSeconds(fires - 1), s.handledThrough());
    }

    @Test
    void shouldKeepBeginningsMissesAndPauses() {
        store.scheduleChanged(new RunStore.ScheduleBegun("j", T)).toCompletableFuture().join();
        store.scheduleChanged(new RunStore.ScheduleBegun("j", T.plusSeconds(600))).toCompletableFuture().join();
        assertEquals(new RunStore.ScheduleState(T, false, null, null, null, 0, 0, 0), store.schedules().get("j"));
        store.scheduleChanged(new RunStore.FiresMissed("j", T.plusSeconds(7200), 2));
        store.scheduleChanged(new RunStore.FiresMissed("j", null, 3)); // the fire run in their stead moves it
        store.scheduleChanged(new RunStore.SchedulePaused("j", true, T.plusSeconds(7300)));
        store.flush().toCompletableFuture().join();
        assertEquals(new RunStore.ScheduleState(T.plusSeconds(7200), true, null, null, null, 0, 0, 5), store.schedules().get("j"));
        // Resumed: what it slept through is handled.
        store.scheduleChanged(new RunStore.SchedulePaused("j", false, T.plusSeconds(9000))).toCompletableFuture().join();
        assertEquals(new RunStore.ScheduleState(T.plusSeconds(9000), false, null, null, null, 0, 0, 5), store.schedules().get("j"));
        // handled-through never moves back.
        store.scheduleChanged(new RunStore.FiresMissed("j", T, 1)).toCompletableFuture().join();
        assertEquals(T.plusSeconds(9000), store.schedules().get("j").handledThrough());
    }

    @Test
    void shouldReadTheLastRunsStatusAsTheStoreHasItNow() {
        store.submitted(fired("r-1", "j", T, false));
        store.finished(report("r-1", "j", RunStatus.FAILED, T, T.plusSeconds(1), List.of())).toCompletableFuture().join();
        assertEquals(RunStatus.FAILED, store.schedules().get("j").lastRunStatus());
        store.submitted(fired("r-2", "j", T.plusSeconds(60), false));
        store.abortRequested("r-2", "replaced by schedule", T.plusSeconds(61));
        store.flush().toCompletableFuture().join();
        assertEquals(RunStatus.ABORTING, store.schedules().get("j").lastRunStatus());
        store.finished(report("r-2", "j", RunStatus.ABORTED, T, T.plusSeconds(62), List.of())).toCompletableFuture().join();
        assertEquals(RunStatus.ABORTED, store.schedules().get("j").lastRunStatus());
        // Pruned: its fire goes with it, the schedule keeps its place (no fire before it runs again).
        assertEquals(2, store.prune(0, Duration.ofDays(1), T.plusSeconds(100)));
        RunStore.ScheduleState s = store.schedules().get("j");
        assertEquals("r-2", s.lastRunId());
        assertNull(s.lastRunStatus());
        assertEquals(T.plusSeconds(60), s.handledThrough());
        assertEquals(2, s.fired());
    }
}
