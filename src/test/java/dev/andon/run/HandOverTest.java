package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import dev.andon.testutil.LogRecorder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A thread that finishes a call takes the run's next queued call itself (CallWorker, Attempt
 * hand-over). These tests go after what that could break: a call's timeout, the abort racing
 * the hand-over, the order of events, live snapshots, and fairness to other runs on the pool.
 */
class HandOverTest {
    private static final ActorTestKit testKit = ActorTestKit.create("HandOverTest",
            ConfigFactory.parseString("""
                    andon.blocking-dispatcher.pool-size = 8
                    small-pool = ${andon.blocking-dispatcher} { pool-size = 2, thread-name-prefix = "small-pool" }
                    """).withFallback(ConfigFactory.load()).resolve());
    private static int runs;
    @RegisterExtension
    static final LogRecorder log = LogRecorder.forTestClass();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static ActorRef<RunSupervisor.Command> start(JobSpec job, TestProbe<RunSupervisor.RunFinished> done,
                                                         RunListener listener) {
        String id = "h" + ++runs;
        return testKit.spawn(RunSupervisor.create(id, job, done.ref(), listener), "run-" + id);
    }

    private static RunReport await(TestProbe<RunSupervisor.RunFinished> done) {
        return done.expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(30)).report();
    }

    @Test
    void shouldTimeOutACallThatAThreadTookOnFromTheQueue() {
        // One slot: c1 can only run on the thread that ran c0, handed over without the actors.
        JobSpec job = JobSpec.builder("timeout-after-hand-over").maxParallelism(1)
                .call("c0", ctx -> "quick")
                .call(CallSpec.of("c1", ctx -> {
                    Thread.sleep(30_000);
                    return "never";
                }).withTimeout(Duration.ofMillis(200)))
                .build();
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        start(job, done, RunListener.NONE);
        RunReport r = await(done);
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals(CallStatus.SUCCEEDED, r.calls().get(0).status());
        assertEquals(CallStatus.TIMED_OUT, r.calls().get(1).status());
        assertEquals(r.calls().get(0).thread(), r.calls().get(1).thread(), "c1 should have run on c0's thread");
        assertTrue(r.calls().get(1).durationMillis() < 10_000, r.calls().get(1).toString());
        assertEquals(List.of(), log.warningsAndErrors());
    }

    @Test
    void shouldTellEachCallStartedOnceBeforeItFinishesAlsoWhenHandedOver() {
        // Long enough calls that a snapshot or the events see them running after a hand-over.
        JobSpec.Builder b = JobSpec.builder("events").maxParallelism(2);
        for (int i = 0; i < 40; i++) b.call("c" + i, ctx -> {
            Thread.sleep(3);
            return null;
        });
        TestProbe<RunEvent> events = testKit.createTestProbe();
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        start(b.build(), done, events.ref()::tell);
        RunReport r = await(done);
        assertEquals(RunStatus.SUCCEEDED, r.status());
        Map<String, Integer> started = new HashMap<>();
        Map<String, RunEvent.CallStarted> startedEvent = new HashMap<>();
        List<RunEvent> all = events.receiveSeveralMessages(1 + 40 * 2 + 1, Duration.ofSeconds(10));
        for (RunEvent e : all) {
            if (e instanceof RunEvent.CallStarted s) {
                started.merge(s.call(), 1, Integer::sum);
                startedEvent.put(s.call(), s);
            } else if (e instanceof RunEvent.CallFinished f) {
                assertEquals(1, started.getOrDefault(f.report().name(), 0), "started once before finished: " + f.report().name());
            }
        }
        assertEquals(40, started.size());
        for (CallReport c : r.calls()) {
            RunEvent.CallStarted s = startedEvent.get(c.name());
            assertEquals(c.thread(), s.thread(), c.name());
            // The event may be stamped when the previous call on that thread ended: a hair earlier.
            assertTrue(Math.abs(Duration.between(s.at(), c.startedAt()).toMillis()) < 1_000, c + " vs " + s);
        }
    }

    @Test
    void shouldGiveEveryCallOneTruthfulOutcomeWhenAbortsRaceTheHandOver() {
        // Thousands of very short calls, so that threads hand over all the time, and an abort
        // (from outside, or a call failing) at a random moment. A call is CANCELLED only if it
        // never ran; every call that ran is acknowledged after it returned.
        Random random = new Random(42);
        int callsPerRun = 3_000;
        for (int rep = 0; rep < 40; rep++) {
            AtomicIntegerArray began = new AtomicIntegerArray(callsPerRun);
            AtomicIntegerArray ended = new AtomicIntegerArray(callsPerRun);
            int failAt = rep % 2 == 0 ? random.nextInt(callsPerRun) : -1;
            JobSpec.Builder b = JobSpec.builder("race").maxParallelism(1 + random.nextInt(8));
            for (int i = 0; i < callsPerRun; i++) {
                int n = i;
                b.call("c" + i, ctx -> {
                    began.incrementAndGet(n);
                    try {
                        LockSupport.parkNanos(random(n) * 1_000L);
                        if (n == failAt) throw new IllegalStateException("planned failure of c" + n);
                        return n;
                    } finally {
                        ended.incrementAndGet(n);
                    }
                });
            }
            TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
            ActorRef<RunSupervisor.Command> run = start(b.build(), done, RunListener.NONE);
            if (failAt < 0) {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(random.nextInt(20_000)));
                run.tell(new RunSupervisor.Abort("test abort"));
            }
            RunReport r = await(done);
            assertEquals(callsPerRun, r.calls().size());
            int cancelled = 0;
            for (int i = 0; i < callsPerRun; i++) {
                CallReport c = r.calls().get(i);
                String who = "rep " + rep + ": " + c;
                assertTrue(c.status().isFinal(), who);
                if (c.status() == CallStatus.CANCELLED) {
                    cancelled++;
                    assertEquals(0, began.get(i), "CANCELLED yet it ran: " + who);
                    assertNull(c.startedAt(), who);
                } else {
                    assertEquals(1, began.get(i), "ran " + began.get(i) + " times: " + who);
                    assertEquals(1, ended.get(i), "acknowledged before it returned: " + who);
                    assertNotNull(c.startedAt(), who);
                    assertEquals(c.status() == CallStatus.FAILED, i == failAt, who);
                    if (c.status() == CallStatus.SUCCEEDED) assertEquals(String.valueOf(i), c.result(), who);
                }
            }
            if (failAt >= 0) {
                assertEquals(RunStatus.FAILED, r.status());
                assertEquals("c" + failAt, r.cause().call());
            } else {
                assertTrue(r.status() == RunStatus.ABORTED || r.status() == RunStatus.SUCCEEDED, r.status().toString());
            }
            assertTrue(cancelled < callsPerRun || failAt < 0, "rep " + rep);
        }
        assertEquals(List.of(), log.warningsAndErrors());
        assertEquals(List.of(), log.deadLetters());
    }

    /** A few microseconds, sometimes a few hundred: some threads hand over, some are still busy. */
    private static int random(int n) {
        int h = n * 0x9E3779B1;
        return (h >>> 28) == 0 ? 300 : (h >>> 29) & 3;
    }

    @Test
    void shouldShowEveryCallInALiveSnapshotWhileThreadsHandOver() {
        int calls = 20_000;
        JobSpec.Builder b = JobSpec.builder("snapshots").maxParallelism(8);
        for (int i = 0; i < calls; i++) b.call("c" + i, ctx -> {
            LockSupport.parkNanos(20_000);
            return null;
        });
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        ActorRef<RunSupervisor.Command> run = start(b.build(), done, RunListener.NONE);
        TestProbe<RunReport> snapshots = testKit.createTestProbe();
        int seenRunning = 0;
        for (int i = 0; i < 20; i++) {
            run.tell(new RunSupervisor.GetSnapshot(snapshots.ref()));
            RunReport s;
            try {
                s = snapshots.expectMessageClass(RunReport.class, Duration.ofMillis(500));
            } catch (AssertionError finished) {
                break; // the run ended; snapshots to a stopped run go nowhere
            }
            assertEquals(calls, s.calls().size());
            long running = s.calls().stream().filter(c -> c.status() == CallStatus.RUNNING).count();
            assertTrue(running <= 8, running + " running");
            for (CallReport c : s.calls()) // a running call has begun an attempt on a thread, as its CallStarted says
                if (c.status() == CallStatus.RUNNING)
                    assertTrue(c.attempts() >= 1 && c.thread() != null && c.startedAt() != null, c.toString());
            if (running > 0) seenRunning++;
        }
        assertEquals(RunStatus.SUCCEEDED, await(done).status());
        assertTrue(seenRunning > 0, "no snapshot saw a call running");
    }

    @Test
    void shouldShowACallHandedToAWorkerButWaitingForAThreadAsQueued() throws Exception {
        // Both threads of the small pool are taken: the second run's calls are handed to its
        // workers, but their attempts wait in the pool's queue. They have not started (no
        // CallStarted), so a snapshot says QUEUED, not RUNNING with no attempt and no thread.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(2);
        JobSpec.Builder blockers = JobSpec.builder("blockers").dispatcher("small-pool").maxParallelism(2);
        for (int i = 0; i < 2; i++) blockers.call("b" + i, ctx -> {
            blocking.countDown();
            release.await();
            return null;
        });
        TestProbe<RunSupervisor.RunFinished> blockersDone = testKit.createTestProbe();
        start(blockers.build(), blockersDone, RunListener.NONE);
        assertTrue(blocking.await(10, TimeUnit.SECONDS));
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        TestProbe<RunEvent> events = testKit.createTestProbe();
        ActorRef<RunSupervisor.Command> waiting = start(JobSpec.builder("waiting").dispatcher("small-pool")
                .call("w0", ctx -> null).call("w1", ctx -> null).build(), done, events.ref()::tell);
        TestProbe<RunReport> snapshots = testKit.createTestProbe();
        try {
            assertInstanceOf(RunEvent.RunStarted.class, events.receiveMessage(Duration.ofSeconds(10)));
            for (int i = 0; i < 5; i++) {
                waiting.tell(new RunSupervisor.GetSnapshot(snapshots.ref()));
                RunReport s = snapshots.receiveMessage(Duration.ofSeconds(10));
                assertEquals(List.of(CallStatus.QUEUED, CallStatus.QUEUED), s.calls().stream().map(CallReport::status).toList());
                assertEquals(List.of(0, 0), s.calls().stream().map(CallReport::attempts).toList());
            }
            events.expectNoMessage(Duration.ofMillis(50)); // no call said it started
        } finally {
            release.countDown();
        }
        assertEquals(RunStatus.SUCCEEDED, await(blockersDone).status());
        RunReport r = await(done);
        assertEquals(RunStatus.SUCCEEDED, r.status());
        assertTrue(r.calls().stream().allMatch(c -> c.thread() != null && c.thread().startsWith("small-pool")), r.toString());
    }

    @Test
    void shouldNotLetALongRunOfShortCallsStarveAnotherRunOnTheSamePool() {
        // The big run keeps both threads of a 2-thread pool busy with 2,000 calls of about 1 ms,
        // handing over from call to call. A run submitted meanwhile must not wait for all of it.
        JobSpec.Builder big = JobSpec.builder("big").dispatcher("small-pool").maxParallelism(2);
        for (int i = 0; i < 2_000; i++) big.call("b" + i, ctx -> {
            Thread.sleep(1);
            return null;
        });
        JobSpec small = JobSpec.builder("small").dispatcher("small-pool")
                .call("s0", ctx -> null).call("s1", ctx -> null).build();
        TestProbe<RunSupervisor.RunFinished> bigDone = testKit.createTestProbe();
        TestProbe<RunSupervisor.RunFinished> smallDone = testKit.createTestProbe();
        TestProbe<RunEvent> bigEvents = testKit.createTestProbe();
        start(big.build(), bigDone, e -> {
            if (e instanceof RunEvent.CallFinished) bigEvents.ref().tell(e);
        });
        bigEvents.receiveSeveralMessages(50, Duration.ofSeconds(10)); // well under way
        start(small, smallDone, RunListener.NONE);
        RunReport smallReport = await(smallDone);
        RunReport bigReport = await(bigDone);
        assertEquals(RunStatus.SUCCEEDED, smallReport.status());
        assertEquals(RunStatus.SUCCEEDED, bigReport.status());
        Instant smallFinished = smallReport.finishedAt();
        long bigCallsAfter = bigReport.calls().stream().filter(c -> c.startedAt().isAfter(smallFinished)).count();
        assertTrue(bigCallsAfter > 1_000, "the small run waited for " + (2_000 - bigCallsAfter)
                + " of the big run's calls: " + smallReport.durationMillis() + " ms");
    }
}
