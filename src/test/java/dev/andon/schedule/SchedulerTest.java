package dev.andon.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.ManualTime;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import dev.andon.call.SleepCall;
import dev.andon.run.JobSpec;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import dev.andon.store.MemoryRunStore;
import dev.andon.store.RunStore;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler actor on a fake clock and Akka's ManualTime: months of fires in milliseconds, each
 * overlap policy against a run that outlives its interval, restarts inside and outside the
 * catch-up window, and a pause that survives a restart.
 */
class SchedulerTest {
    private static final ActorTestKit testKit = ActorTestKit.create(
            ManualTime.config().withFallback(ConfigFactory.load()));
    private static final ManualTime manualTime = ManualTime.get(testKit.system());
    private static final AtomicInteger names = new AtomicInteger();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static JobSpec job(String name) {
        return JobSpec.builder(name).call("a", new SleepCall(Duration.ofMillis(1), null, false)).build();
    }

    /** One scheduler, its clock and its launcher. */
    private static final class Rig {
        final FakeClock clock;
        final FakeLauncher launcher;
        final MemoryRunStore store;
        final Map<String, Scheduler.Scheduled> schedules;
        ActorRef<Scheduler.Command> scheduler;

        Rig(Instant start, MemoryRunStore store, Map<String, Scheduler.Scheduled> schedules) {
            this.clock = new FakeClock(start);
            this.store = store;
            this.launcher = new FakeLauncher(store);
            this.schedules = schedules;
        }

        Rig start() {
            return start(Duration.ZERO);
        }

        /** Starts the scheduler, submitting sure fires {@code ahead} of their time. */
        Rig start(Duration ahead) {
            scheduler = testKit.spawn(Scheduler.create(schedules, store, launcher, ScheduleObserver.NONE, clock, ahead),
                    "scheduler-" + names.incrementAndGet());
            views(); // the handshake: loaded, timers set
            return this;
        }

        /** Moves the fake clock and the actor system's time together to {@code t}. */
        void advanceTo(Instant t) {
            Duration d = Duration.between(clock.instant(), t);
            clock.set(t);
            manualTime.timePasses(d);
        }

        /**
         * Moves the fake clock alone to {@code t} and has the scheduler look at it: ManualTime
         * sleeps 100 ms on each step to let dispatchers settle, too slow for months of fires.
         */
        void wakeAt(Instant t) {
            clock.set(t);
            TestProbe<akka.Done> probe = testKit.createTestProbe();
            scheduler.tell(new Scheduler.Wake(probe.ref()));
            probe.receiveMessage(Duration.ofSeconds(30));
        }

        List<Scheduler.View> views() {
            TestProbe<List<Scheduler.View>> probe = testKit.createTestProbe();
            scheduler.tell(new Scheduler.GetSchedules(probe.ref()));
            return probe.receiveMessage(Duration.ofSeconds(30));
        }

        Scheduler.View view(String job) {
            return views().stream().filter(v -> v.job().equals(job)).findFirst().orElseThrow();
        }

        /** The view of {@code job} once {@code condition} holds (a launch is seen before the scheduler has taken it in). */
        Scheduler.View awaitView(String job, java.util.function.Predicate<Scheduler.View> condition) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Scheduler.View v = view(job);
            while (!condition.test(v) && System.nanoTime() < deadline) {
                Thread.sleep(5);
                v = view(job);
            }
            return v;
        }

        Scheduler.Answer ask(java.util.function.Function<ActorRef<Scheduler.Answer>, Scheduler.Command> message) {
            TestProbe<Scheduler.Answer> probe = testKit.createTestProbe();
            scheduler.tell(message.apply(probe.ref()));
            return probe.receiveMessage(Duration.ofSeconds(30));
        }

        void stop() {
            TestProbe<akka.Done> probe = testKit.createTestProbe();
            scheduler.tell(new Scheduler.Stop(probe.ref()));
            probe.receiveMessage(Duration.ofSeconds(30));
            testKit.stop(scheduler, Duration.ofSeconds(30));
        }
    }

    private static Map<String, Scheduler.Scheduled> one(String name, ScheduleSpec spec) {
        return Map.of(name, new Scheduler.Scheduled(job(name), spec));
    }

    @Test
    void shouldFireTwoMonthsOfHourlyFiresAcrossDaylightSavingEachOnceAtItsTime() throws Exception {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        ScheduleSpec hourly = Schedules.cron("0 * * * *", "Europe/Berlin");
        Instant start = LocalDateTime.of(2026, 10, 1, 0, 0, 30).atZone(berlin).toInstant();
        Instant end = LocalDateTime.of(2026, 12, 1, 0, 0).atZone(berlin).toInstant();
        Rig rig = new Rig(start, new MemoryRunStore(), one("hourly", hourly)).start();
        rig.launcher.endAtOnce = true;
        // The reference: every whole UTC hour but the repeated one of 25 October.
        List<Instant> expected = new ArrayList<>();
        for (Instant at = start.plusSeconds(3570); at.isBefore(end); at = at.plus(Duration.ofHours(1))) {
            if (!LocalDateTime.ofInstant(at, berlin).equals(LocalDateTime.ofInstant(at.minusSeconds(3600), berlin)))
                expected.add(at);
        }
        List<Instant> fired = new ArrayList<>();
        for (Instant at : expected) {
            // A minute short of the fire: nothing yet; then to the fire itself.
            rig.wakeAt(at.minusSeconds(60));
            assertTrue(rig.launcher.launches.isEmpty(), () -> "early: " + rig.launcher.launches);
            rig.wakeAt(at);
            FakeLauncher.Launch l = rig.launcher.next();
            assertFalse(l.fire().missed() || l.fire().manual(), l.toString());
            fired.add(l.fire().at());
        }
        assertEquals(expected, fired);
        assertEquals(1463, fired.size()); // 61 days x 24 hours, one repeated
        Scheduler.View v = rig.awaitView("hourly", w -> w.fired() == 1463);
        assertEquals(1463, v.fired());
        assertEquals(0, v.missed());
        assertEquals(0, v.skipped());
        rig.launcher.expectNone(Duration.ofMillis(100));
        rig.stop();
    }

    private static final Instant T0 = Instant.parse("2026-05-05T10:00:00Z");

    /** A scheduler of one job "j" every minute under {@code overlap}, just past its first fire at {@link #T0}. */
    private static Rig everyMinute(Overlap overlap) {
        Rig rig = new Rig(T0.minusMillis(500), new MemoryRunStore(),
                one("j", Schedules.every(Duration.ofMinutes(1), overlap, Duration.ZERO))).start();
        rig.advanceTo(T0);
        return rig;
    }

    @Test
    void shouldSubmitASureFireAheadOfItsTimeAndDecideAnUnsureOneAtItsTime() throws Exception {
        MemoryRunStore store = new MemoryRunStore();
        var schedules = one("j", Schedules.every(Duration.ofMinutes(1), Overlap.SKIP, Duration.ofHours(1)));
        Rig rig = new Rig(T0.minusSeconds(30), store, schedules).start(Duration.ofSeconds(10));
        rig.advanceTo(T0.minusSeconds(11));
        rig.launcher.expectNone(Duration.ofMillis(100));
        // Ten seconds ahead: nothing is live, so the fire is sure to start its run, at its time.
        rig.advanceTo(T0.minusSeconds(10));
        FakeLauncher.Launch first = rig.launcher.next();
        assertEquals(new Fire("j", T0, false, false), first.fire());
        assertEquals(T0, first.startAt());
        assertEquals(List.of(T0.plusSeconds(60), T0.plusSeconds(120), T0.plusSeconds(180)),
                rig.awaitView("j", w -> w.fired() == 1).nextFireAt());
        // Ten seconds before the next fire the run is live: whether it skips depends on its end, so
        // nothing is decided then; it ends before the fire, which starts a run at its time.
        rig.advanceTo(T0.plusSeconds(50));
        rig.launcher.expectNone(Duration.ofMillis(100));
        rig.launcher.end(first.runId(), RunStatus.SUCCEEDED);
        rig.advanceTo(T0.plusSeconds(59));
        rig.launcher.expectNone(Duration.ofMillis(100));
        rig.advanceTo(T0.plusSeconds(60));
        FakeLauncher.Launch second = rig.launcher.next();
        assertEquals(T0.plusSeconds(60), second.fire().at());
        assertNull(second.startAt());
        // Live through the next fire: skipped at its time, not ten seconds before.
        rig.advanceTo(T0.plusSeconds(110));
        assertEquals(0, rig.view("j").skipped());
        rig.advanceTo(T0.plusSeconds(120));
        assertEquals(1, rig.awaitView("j", w -> w.skipped() == 1).skipped());
        rig.launcher.expectNone(Duration.ofMillis(100));
        // Stopped after a run was submitted ahead of its fire: a restart does not fire it again.
        rig.launcher.end(second.runId(), RunStatus.SUCCEEDED);
        rig.advanceTo(T0.plusSeconds(170));
        FakeLauncher.Launch fourth = rig.launcher.next();
        assertEquals(T0.plusSeconds(180), fourth.startAt());
        rig.awaitView("j", w -> w.fired() == 3);
        rig.stop();
        Rig after = new Rig(T0.plusSeconds(185), store, schedules);
        after.clock.set(T0.plusSeconds(185));
        after.start(Duration.ofSeconds(10));
        after.launcher.expectNone(Duration.ofMillis(300));
        assertEquals(3, after.view("j").fired());
        assertEquals(0, after.view("j").missed());
        after.stop();
    }

    @Test
    void shouldAbortARunSubmittedAheadWhenItsScheduleIsPausedBeforeItsTime() throws Exception {
        Rig rig = new Rig(T0.minusSeconds(30), new MemoryRunStore(),
                one("j", Schedules.every(Duration.ofMinutes(1), Overlap.SKIP, Duration.ZERO))).start(Duration.ofSeconds(10));
        rig.advanceTo(T0.minusSeconds(10));
        FakeLauncher.Launch ahead = rig.launcher.next();
        assertEquals(T0, ahead.startAt());
        rig.awaitView("j", w -> w.fired() == 1);
        // The fake tells a run started as soon as it is launched; a real one waits for its time.
        // Until it has been told, a pause aborts it: a paused schedule starts nothing.
        Rig held = new Rig(T0.minusSeconds(30), new MemoryRunStore(),
                one("k", Schedules.every(Duration.ofMinutes(1), Overlap.SKIP, Duration.ZERO)));
        held.launcher.startLater = true;
        held.start(Duration.ofSeconds(10));
        held.advanceTo(T0.minusSeconds(10));
        FakeLauncher.Launch waiting = held.launcher.next();
        held.awaitView("k", w -> w.fired() == 1);
        assertInstanceOf(Scheduler.Answer.Done.class, held.ask(r -> new Scheduler.Pause("k", r)));
        assertEquals(new FakeLauncher.Aborted(waiting.runId(), Scheduler.PAUSED),
                held.launcher.aborts.poll(30, TimeUnit.SECONDS));
        // One that has started is not aborted by a pause.
        assertInstanceOf(Scheduler.Answer.Done.class, rig.ask(r -> new Scheduler.Pause("j", r)));
        assertNull(rig.launcher.aborts.poll(200, TimeUnit.MILLISECONDS));
        rig.stop();
        held.stop();
    }

    @Test
    void shouldSubmitAFireNoMoreAheadThanHalfTheTimeFromTheFireBefore() throws Exception {
        Rig rig = new Rig(T0.minusSeconds(9), new MemoryRunStore(),
                one("j", Schedules.every(Duration.ofSeconds(10), Overlap.SKIP, Duration.ZERO))).start(Duration.ofSeconds(10));
        rig.launcher.endAtOnce = true;
        rig.advanceTo(T0.minusMillis(4_600));
        rig.launcher.expectNone(Duration.ofMillis(100));
        rig.advanceTo(T0.minusMillis(4_500)); // half of the 9 s from the start to the fire
        assertEquals(T0, rig.launcher.next().startAt());
        rig.advanceTo(T0.plusMillis(4_900));
        rig.launcher.expectNone(Duration.ofMillis(100));
        rig.advanceTo(T0.plusSeconds(5)); // half of the 10 s from the fire before
        FakeLauncher.Launch next = rig.launcher.next();
        assertEquals(T0.plusSeconds(10), next.fire().at());
        assertEquals(T0.plusSeconds(10), next.startAt());
        rig.stop();
    }

    @Test
    void shouldSkipAFireWhileTheLastRunIsLiveUnderSkip() throws Exception {
        Instant t0 = T0;
        Rig rig = everyMinute(Overlap.SKIP);
        FakeLauncher.Launch first = rig.launcher.next();
        rig.advanceTo(t0.plusSeconds(60));
        assertEquals(1, rig.awaitView("j", w -> w.skipped() == 1).skipped());
        rig.launcher.expectNone(Duration.ofMillis(200));
        rig.launcher.end(first.runId(), RunStatus.SUCCEEDED);
        rig.advanceTo(t0.plusSeconds(120));
        assertEquals(t0.plusSeconds(120), rig.launcher.next().fire().at());
        Scheduler.View v = rig.awaitView("j", w -> w.fired() == 2);
        assertEquals(2, v.fired());
        assertEquals(1, v.skipped());
        rig.stop();
    }

    @Test
    void shouldKeepOneFireWaitingUnderBufferOneAndSkipTheRest() throws Exception {
        Instant t0 = T0;
        Rig rig = everyMinute(Overlap.BUFFER_ONE);
        FakeLauncher.Launch first = rig.launcher.next();
        rig.advanceTo(t0.plusSeconds(60));
        rig.awaitView("j", w -> w.waiting() != null);
        rig.advanceTo(t0.plusSeconds(120));
        Scheduler.View v = rig.awaitView("j", w -> w.skipped() == 1);
        rig.launcher.expectNone(Duration.ofMillis(200));
        assertEquals(t0.plusSeconds(60), v.waiting());
        assertEquals(1, v.skipped());
        rig.launcher.end(first.runId(), RunStatus.SUCCEEDED);
        FakeLauncher.Launch buffered = rig.launcher.next();
        assertEquals(t0.plusSeconds(60), buffered.fire().at()); // the waiting fire, not the skipped one
        assertNull(rig.view("j").waiting());
        rig.stop();
    }

    @Test
    void shouldAbortTheLiveRunAndStartTheNewOneOnlyOnceItHasEndedUnderReplace() throws Exception {
        Instant t0 = T0;
        Rig rig = everyMinute(Overlap.REPLACE);
        FakeLauncher.Launch first = rig.launcher.next();
        rig.advanceTo(t0.plusSeconds(60));
        FakeLauncher.Aborted aborted = rig.launcher.aborts.poll(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(new FakeLauncher.Aborted(first.runId(), "replaced by schedule"), aborted);
        // The old run is still acknowledging its abort: the new one waits.
        rig.launcher.expectNone(Duration.ofMillis(200));
        rig.launcher.end(first.runId(), RunStatus.ABORTED);
        FakeLauncher.Launch second = rig.launcher.next();
        assertEquals(t0.plusSeconds(60), second.fire().at());
        Scheduler.View v = rig.awaitView("j", w -> w.fired() == 2);
        assertEquals(List.of(second.runId()), v.liveRuns());
        assertEquals(2, v.fired());
        rig.stop();
    }

    @Test
    void shouldStartBesideTheLiveRunUnderAllow() throws Exception {
        Instant t0 = T0;
        Rig rig = everyMinute(Overlap.ALLOW);
        FakeLauncher.Launch first = rig.launcher.next();
        rig.advanceTo(t0.plusSeconds(60));
        FakeLauncher.Launch second = rig.launcher.next();
        assertEquals(List.of(first.runId(), second.runId()), rig.awaitView("j", w -> w.fired() == 2).liveRuns());
        assertTrue(rig.launcher.aborts.isEmpty());
        rig.stop();
    }

    @Test
    void shouldCatchUpTheLatestMissedFireOnceWhenRestartedInsideTheWindow() throws Exception {
        MemoryRunStore store = new MemoryRunStore();
        Instant t0 = Instant.parse("2026-05-05T10:00:00Z");
        var schedules = one("nightly", Schedules.cron("0 * * * *", "UTC", Overlap.SKIP, Duration.ofHours(1)));
        Rig before = new Rig(t0.minusSeconds(10), store, schedules).start();
        before.launcher.endAtOnce = true;
        before.advanceTo(t0);
        assertEquals(t0, before.launcher.next().fire().at());
        // The launcher has the run; the scheduler records it as fired when it hears back: wait for
        // that before stopping, or the 10:00 fire is stopped half-recorded (claimed, not counted).
        assertEquals(1, before.awaitView("nightly", w -> w.fired() == 1).fired());
        before.stop();
        // Down from 10:00 to 13:20: 11:00 and 12:00 missed, 13:00 caught up.
        Rig after = new Rig(t0.plus(Duration.ofMinutes(200)), store, schedules);
        after.launcher.endAtOnce = true;
        after.clock.set(t0.plus(Duration.ofMinutes(200)));
        after.start();
        FakeLauncher.Launch caughtUp = after.launcher.next();
        assertEquals(new Fire("nightly", t0.plus(Duration.ofHours(3)), false, true), caughtUp.fire());
        Scheduler.View v = after.awaitView("nightly", w -> w.fired() == 2);
        assertEquals(2, v.missed());
        assertEquals(2, v.fired());
        assertEquals(List.of(t0.plus(Duration.ofHours(4)), t0.plus(Duration.ofHours(5)), t0.plus(Duration.ofHours(6))),
                v.nextFireAt());
        after.launcher.expectNone(Duration.ofMillis(200));
        after.stop();
        // A second restart in the same hour finds nothing to catch up: no fire twice.
        Rig again = new Rig(t0.plus(Duration.ofMinutes(210)), store, schedules).start();
        again.launcher.expectNone(Duration.ofMillis(300));
        again.stop();
    }

    @Test
    void shouldRecordMissedFiresAndRunNoneWhenRestartedOutsideTheWindow() throws Exception {
        MemoryRunStore store = new MemoryRunStore();
        Instant t0 = Instant.parse("2026-05-05T10:00:00Z");
        var schedules = one("j", Schedules.cron("0 * * * *", "UTC", Overlap.SKIP, Duration.ofMinutes(30)));
        Rig before = new Rig(t0.minusSeconds(10), store, schedules).start();
        before.launcher.endAtOnce = true;
        before.advanceTo(t0);
        before.launcher.next();
        before.stop();
        Rig after = new Rig(t0.plus(Duration.ofMinutes(200)), store, schedules).start(); // 13:00 is 20 min... inside
        after.launcher.next();
        after.stop();
        Rig late = new Rig(t0.plus(Duration.ofMinutes(290)), store, schedules).start(); // 14:00 is 50 min ago
        late.launcher.expectNone(Duration.ofMillis(300));
        assertEquals(3, late.view("j").missed()); // 11:00 and 12:00 at the first restart, 14:00 at this one
        late.stop();
    }

    @Test
    void shouldNeverFireAFireWhoseRunWasSubmittedBeforeACrash() throws Exception {
        MemoryRunStore store = new MemoryRunStore();
        Instant t0 = Instant.parse("2026-05-05T10:00:00Z");
        var schedules = one("j", Schedules.cron("0 * * * *", "UTC", Overlap.SKIP, Duration.ofHours(1)));
        new Rig(t0.minusSeconds(10), store, schedules).start().stop();
        // A crash once the 10:00 fire's run was committed, before the scheduler heard back: the
        // store has the fire with its run, and nothing else.
        store.submitted(new RunStore.Submission("r-crashed", "j", Trigger.schedule(t0, false), null, false, List.of("a"),
                t0, new RunStore.Owner("test", "boot", 1, 1))).toCompletableFuture().join();
        Rig after = new Rig(t0.plusSeconds(5), store, schedules).start();
        after.launcher.expectNone(Duration.ofMillis(300));
        Scheduler.View v = after.view("j");
        assertEquals("r-crashed", v.lastRunId());
        assertEquals(RunStatus.RUNNING, v.lastRunStatus());
        assertEquals(1, v.fired());
        assertEquals(0, v.missed());
        after.stop();
    }

    @Test
    void shouldCatchUpAFireRefusedAtShutdownRatherThanCountItSkipped() throws Exception {
        Instant t0 = T0;
        Rig before = new Rig(t0.minusSeconds(10), new MemoryRunStore(),
                one("j", Schedules.every(Duration.ofHours(1), Overlap.SKIP, Duration.ofHours(1)))).start();
        MemoryRunStore store = before.store;
        var schedules = before.schedules;
        CompletableFuture<Launcher.Outcome> refusal = new CompletableFuture<>();
        before.launcher.hold = refusal;
        before.advanceTo(t0);
        assertEquals(t0, before.launcher.attempts.poll(30, TimeUnit.SECONDS).at());
        refusal.complete(new Launcher.Stopping("the service is shutting down"));
        Scheduler.View v = before.view("j");
        assertEquals(0, v.skipped());
        assertEquals(0, v.fired());
        assertEquals(0, store.schedules().get("j").skipped());
        before.stop();
        // For the next start it was a fire of the downtime: caught up, once.
        Rig after = new Rig(t0.plusSeconds(30), store, schedules).start();
        assertEquals(new Fire("j", t0, false, true), after.launcher.next().fire());
        after.launcher.expectNone(Duration.ofMillis(200));
        assertEquals(0, after.view("j").skipped());
        after.stop();
    }

    @Test
    void shouldReadTheLastRunAndItsStatusBackAfterARestart() throws Exception {
        MemoryRunStore store = new MemoryRunStore();
        Rig rig = new Rig(T0.minusMillis(500), store, one("j", Schedules.every(Duration.ofMinutes(1), Overlap.SKIP,
                Duration.ZERO))).start();
        rig.advanceTo(T0);
        FakeLauncher.Launch l = rig.launcher.next();
        rig.launcher.end(l.runId(), RunStatus.FAILED);
        rig.awaitView("j", w -> w.lastRunStatus() == RunStatus.FAILED);
        rig.stop();
        Rig after = new Rig(T0.plusSeconds(10), store, rig.schedules).start();
        Scheduler.View v = after.view("j");
        assertEquals(l.runId(), v.lastRunId());
        assertEquals(RunStatus.FAILED, v.lastRunStatus());
        assertEquals(T0, v.lastFireAt());
        assertEquals(1, v.fired());
        after.stop();
    }

    @Test
    void shouldKeepAPauseAcrossARestartAndNotCatchUpWhatItSleptThrough() throws Exception {
        MemoryRunStore store = new MemoryRunStore();
        Instant t0 = Instant.parse("2026-05-05T10:00:00Z");
        var schedules = one("j", Schedules.cron("0 * * * *", "UTC", Overlap.SKIP, Duration.ofHours(2)));
        Rig rig = new Rig(t0.minusSeconds(10), store, schedules).start();
        assertEquals(new Scheduler.Answer.Done("j", true), rig.ask(r -> new Scheduler.Pause("j", r)));
        assertInstanceOf(Scheduler.Answer.Conflict.class, rig.ask(r -> new Scheduler.Pause("j", r)));
        assertInstanceOf(Scheduler.Answer.NotFound.class, rig.ask(r -> new Scheduler.Pause("nope", r)));
        rig.advanceTo(t0.plusSeconds(3600));
        rig.launcher.expectNone(Duration.ofMillis(200));
        rig.stop();

        Rig after = new Rig(t0.plusSeconds(3700), store, schedules).start();
        assertTrue(after.view("j").paused());
        after.advanceTo(t0.plusSeconds(7200));
        after.launcher.expectNone(Duration.ofMillis(200));
        assertEquals(new Scheduler.Answer.Done("j", false), after.ask(r -> new Scheduler.Resume("j", r)));
        after.launcher.expectNone(Duration.ofMillis(200)); // 11:00 and 12:00 slept through, not caught up
        after.launcher.endAtOnce = true;
        after.advanceTo(t0.plusSeconds(3 * 3600));
        assertEquals(t0.plusSeconds(3 * 3600), after.launcher.next().fire().at());
        assertEquals(0, after.view("j").missed());
        after.stop();
    }

    @Test
    void shouldFireByHandUnderTheOverlapPolicy() throws Exception {
        Instant t0 = Instant.parse("2026-05-05T10:00:30Z");
        Rig rig = new Rig(t0, new MemoryRunStore(),
                one("j", Schedules.every(Duration.ofHours(1), Overlap.SKIP, Duration.ZERO))).start();
        Scheduler.Answer fired = rig.ask(r -> new Scheduler.FireNow("j", r));
        FakeLauncher.Launch l = rig.launcher.next();
        assertEquals(new Scheduler.Answer.Fired("j", l.runId()), fired);
        assertEquals(new Fire("j", t0, true, false), l.fire());
        assertInstanceOf(Scheduler.Answer.Skipped.class, rig.ask(r -> new Scheduler.FireNow("j", r)));
        assertInstanceOf(Scheduler.Answer.NotFound.class, rig.ask(r -> new Scheduler.FireNow("other", r)));
        assertEquals(l.runId(), rig.awaitView("j", w -> w.lastRunId() != null).lastRunId());
        rig.stop();
    }
}
