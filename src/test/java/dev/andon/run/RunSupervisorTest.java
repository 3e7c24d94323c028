package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.LoggingTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.RunHandle;
import dev.andon.call.AbortedException;
import dev.andon.call.SleepCall;
import dev.andon.testutil.LogRecorder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine's rules for a run and its calls, one test each, against a real actor system with the actor testkit. */
class RunSupervisorTest {
    private static final ActorTestKit testKit = ActorTestKit.create("RunSupervisorTest",
            ConfigFactory.parseString("andon.blocking-dispatcher.pool-size = 16").withFallback(ConfigFactory.load()));
    private static final AtomicInteger runs = new AtomicInteger();
    @RegisterExtension
    static final LogRecorder log = LogRecorder.forTestClass();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    @AfterEach
    void nothingUnexpectedLogged() {
        assertEquals(List.of(), log.deadLetters(), "dead letters");
    }

    /** Runs {@code job} and returns its report, with every event on {@code events} if given. */
    private static RunReport run(JobSpec job, TestProbe<RunEvent> events) {
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        String id = "r" + runs.incrementAndGet();
        RunListener listener = events == null ? RunListener.NONE : events.ref()::tell;
        testKit.spawn(RunSupervisor.create(id, job, done.ref(), listener), "run-" + id);
        return done.expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(20)).report();
    }

    private static RunReport run(JobSpec job) {
        return run(job, null);
    }

    private static void assertNoWarnings() {
        assertEquals(List.of(), log.warningsAndErrors(), "warnings or errors");
    }

    @Test
    void shouldAbortSiblingsWhenOneCallFails() {
        JobSpec.Builder b = JobSpec.builder("seed");
        for (int i = 0; i < 5; i++)
            b.call("c" + i, new SleepCall(Duration.ofMillis(200L * i), i == 2 ? "don't like 2" : null, false));
        RunReport r = run(b.build());

        assertEquals(RunStatus.FAILED, r.status());
        assertEquals(new RunReport.Cause("c2", "java.lang.IllegalStateException: don't like 2"), r.cause());
        assertEquals(CallStatus.SUCCEEDED, r.call("c0").status());
        assertEquals("0", r.call("c0").result());
        assertEquals("0.2", r.call("c1").result());
        assertEquals(CallStatus.FAILED, r.call("c2").status());
        for (String c : List.of("c3", "c4")) {
            CallReport cr = r.call(c);
            assertEquals(CallStatus.ABORTED, cr.status(), c);
            assertNotNull(cr.abortToAckMillis());
            assertTrue(cr.abortToAckMillis() < 1000, c + " acked after " + cr.abortToAckMillis() + " ms");
            assertTrue(cr.thread().startsWith("andon-blocking-"), cr.thread());
        }
        assertEquals("c2 failed", r.abortReason());
        assertNoWarnings();
    }

    @Test
    void shouldSucceedWhenEveryCallSucceeds() {
        RunReport r = run(JobSpec.builder("ok").call("a", ctx -> 1).call("b", ctx -> "two").build());
        assertEquals(RunStatus.SUCCEEDED, r.status());
        assertNull(r.cause());
        assertEquals("two", r.call("b").result());
        assertEquals(1, r.call("a").attempts());
        assertNoWarnings();
    }

    @Test
    void shouldKeepTheResultOfACallThatFinishesAfterTheAbort() {
        CountDownLatch started = new CountDownLatch(1);
        RunReport r = run(JobSpec.builder("late-success")
                .call("fails", ctx -> {
                    started.await();
                    throw new IllegalStateException("boom");
                })
                .call(CallSpec.of("finishes", ctx -> {
                    started.countDown();
                    while (!ctx.abortRequested()) Thread.onSpinWait();
                    return "kept"; // it saw the abort and still completed its work
                }).withInterruptOnAbort(false))
                .build());
        assertEquals(CallStatus.SUCCEEDED, r.call("finishes").status());
        assertEquals("kept", r.call("finishes").result());
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals("fails", r.cause().call());
    }

    @Test
    @SuppressWarnings("try") // the hook closes the socket from another thread: that is the point
    void shouldReportAnExceptionCausedByAnAbortHookAsAbortedNotAsFailure() throws IOException {
        try (ServerSocket server = new ServerSocket(0)) {
            RunReport r = run(JobSpec.builder("hook")
                    .call("fails", ctx -> {
                        Thread.sleep(100);
                        throw new IllegalStateException("first");
                    })
                    .call(CallSpec.of("reads", ctx -> {
                        try (Socket s = new Socket("127.0.0.1", server.getLocalPort())) {
                            ctx.onAbort(() -> {
                                try {
                                    s.close();
                                } catch (IOException e) {
                                    throw new RuntimeException(e);
                                }
                            });
                            return s.getInputStream().read(); // blocks: interrupts do not reach socket reads
                        }
                    }).withInterruptOnAbort(false))
                    .build());
            CallReport reads = r.call("reads");
            assertEquals(CallStatus.ABORTED, reads.status());
            assertTrue(reads.error().startsWith(SocketException.class.getName()), reads.error());
            assertEquals("fails", r.cause().call(), "the hook's exception is never the run's cause");
        }
    }

    @Test
    void shouldRunEachHookOnceOffTheCallThreadAndSurviveOneThatThrows() {
        Set<String> hookThreads = ConcurrentHashMap.newKeySet();
        AtomicInteger hookRuns = new AtomicInteger();
        AtomicReference<String> callThread = new AtomicReference<>();
        CountDownLatch hooksRegistered = new CountDownLatch(1);
        CountDownLatch hookRan = new CountDownLatch(1);
        JobSpec job = JobSpec.builder("hooks")
                .call("fails", ctx -> {
                    hooksRegistered.await();
                    throw new IllegalStateException("x");
                })
                .call("hooked", ctx -> {
                    callThread.set(Thread.currentThread().getName());
                    ctx.onAbort(() -> { throw new IllegalStateException("hook failure"); });
                    ctx.onAbort(() -> {
                        hookThreads.add(Thread.currentThread().getName());
                        hookRuns.incrementAndGet();
                        hookRan.countDown();
                    });
                    hooksRegistered.countDown();
                    // It stops only through its hooks (or the interrupt after them). A call that
                    // polled the run's cord could see it and return before its worker got to the
                    // abort: then no hook runs, as none is needed (seen on a loaded machine).
                    hookRan.await();
                    ctx.checkpoint();
                    return "not reached";
                })
                .build();
        RunReport r = LoggingTestKit.warn("abort hook of call hooked").withOccurrences(1)
                .expect(testKit.system(), () -> run(job));
        assertEquals(CallStatus.ABORTED, r.call("hooked").status());
        assertEquals(1, hookRuns.get());
        assertFalse(hookThreads.contains(callThread.get()));
        assertTrue(hookThreads.iterator().next().startsWith("andon-abort-hook-"), hookThreads.toString());
    }

    @Test
    void shouldInterruptTheCallThreadOnAbortUnlessTurnedOff() {
        CountDownLatch started = new CountDownLatch(1);
        RunReport r = run(JobSpec.builder("interrupt")
                .call("fails", ctx -> {
                    started.await();
                    throw new IllegalStateException("x");
                })
                .call("sleeps", ctx -> {
                    started.countDown();
                    Thread.sleep(60_000); // never checks the signal: only an interrupt stops it
                    return "never";
                })
                .build());
        assertEquals(CallStatus.ABORTED, r.call("sleeps").status());
        assertTrue(r.call("sleeps").error().startsWith("java.lang.InterruptedException"), r.call("sleeps").error());
    }

    @Test
    void shouldAbandonACallThatIgnoresTheAbortAndLogItsLateCompletionOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch deafStarted = new CountDownLatch(1);
        JobSpec job = JobSpec.builder("deaf").abortGrace(Duration.ofMillis(200))
                .call("fails", ctx -> {
                    deafStarted.await();
                    throw new IllegalStateException("x");
                })
                .call(CallSpec.of("deaf", ctx -> {
                    deafStarted.countDown();
                    while (!release.await(1, TimeUnit.SECONDS)) Thread.onSpinWait();
                    return "late";
                }).withInterruptOnAbort(false))
                .build();
        long before = AndonStats.get(testKit.system()).lateCompletions();
        RunReport r = LoggingTestKit.warn("ABANDONED").expect(testKit.system(), () -> run(job));
        CallReport deaf = r.call("deaf");
        assertEquals(CallStatus.ABANDONED, deaf.status());
        assertTrue(deaf.thread().startsWith("andon-blocking-"));
        assertTrue(deaf.stackTrace().stream().anyMatch(l -> l.contains("CountDownLatch.await")), deaf.stackTrace().toString());
        assertTrue(deaf.abortToAckMillis() >= 200);
        assertEquals(1, AndonStats.get(testKit.system()).abandonedRunning(JobSpec.DEFAULT_DISPATCHER));

        release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (AndonStats.get(testKit.system()).lateCompletions() == before && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(before + 1, AndonStats.get(testKit.system()).lateCompletions());
        // Only this run's line: an abandoned call of another test in this JVM may finish late meanwhile.
        // The thread counts the late completion just before it logs it: wait for the line too.
        String line = "abandoned call deaf of run " + r.id() + " finished late";
        while (log.containing(line).isEmpty() && System.nanoTime() < deadline) Thread.sleep(5);
        Thread.sleep(50); // a second line, were there one, would come right after the first
        List<String> late = log.containing(line);
        assertEquals(1, late.size(), log.containing("finished late").toString());
        assertTrue(late.get(0).startsWith("INFO"));
        assertEquals(0, AndonStats.get(testKit.system()).abandonedRunning(JobSpec.DEFAULT_DISPATCHER));
    }

    @Test
    void shouldTimeOutACallAndFailTheRun() {
        RunReport r = run(JobSpec.builder("timeout")
                .call(CallSpec.of("slow", new SleepCall(Duration.ofSeconds(30), null, false)).withTimeout(Duration.ofMillis(100)))
                .call("other", new SleepCall(Duration.ofSeconds(30), null, false))
                .build());
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals(CallStatus.TIMED_OUT, r.call("slow").status());
        assertTrue(r.call("slow").error().contains("timed out after 100 ms"), r.call("slow").error());
        assertEquals("slow", r.cause().call());
        assertEquals(CallStatus.ABORTED, r.call("other").status());
        assertEquals("slow timed out", r.abortReason());
    }

    @Test
    void shouldFailTheRunWhenACallAbandonedAfterItsTimeout() {
        CountDownLatch release = new CountDownLatch(1);
        RunReport r = run(JobSpec.builder("deaf-timeout").abortGrace(Duration.ofMillis(50))
                .call(CallSpec.of("deaf", ctx -> { release.await(); return null; }).withInterruptOnAbort(false)
                        .withTimeout(Duration.ofMillis(50)))
                .build());
        release.countDown();
        assertEquals(CallStatus.ABANDONED, r.call("deaf").status());
        assertEquals(RunStatus.FAILED, r.status(), "its timeout still counts as the run's failure");
        assertEquals("deaf", r.cause().call());
        assertTrue(r.cause().error().startsWith("java.util.concurrent.TimeoutException"), r.cause().error());
    }

    @Test
    void shouldFailTheRunWhenItsDeadlineExpires() {
        RunReport r = run(JobSpec.builder("deadline").deadline(Duration.ofMillis(150))
                .call("a", new SleepCall(Duration.ofSeconds(30), null, false))
                .call("b", new SleepCall(Duration.ofMillis(1), null, false))
                .build());
        assertEquals(RunStatus.FAILED, r.status());
        assertNull(r.cause().call());
        assertTrue(r.cause().error().startsWith("deadline exceeded"));
        assertEquals(CallStatus.ABORTED, r.call("a").status());
        assertEquals(CallStatus.SUCCEEDED, r.call("b").status());
    }

    @Test
    void shouldRunAtMostMaxParallelismCallsAtOnce() {
        AtomicInteger now = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        JobSpec.Builder b = JobSpec.builder("bounded").maxParallelism(3);
        for (int i = 0; i < 20; i++)
            b.call("c" + i, ctx -> {
                peak.accumulateAndGet(now.incrementAndGet(), Math::max);
                Thread.sleep(10);
                now.decrementAndGet();
                return null;
            });
        RunReport r = run(b.build());
        assertEquals(RunStatus.SUCCEEDED, r.status());
        assertEquals(3, peak.get());
    }

    @Test
    void shouldCancelQueuedCallsWithoutEverStartingThem() {
        AtomicInteger starts = new AtomicInteger();
        JobSpec.Builder b = JobSpec.builder("queue").maxParallelism(1)
                .call("first", ctx -> { throw new IllegalStateException("x"); });
        for (int i = 0; i < 50; i++) b.call("q" + i, ctx -> starts.incrementAndGet());
        RunReport r = run(b.build());
        assertEquals(0, starts.get());
        for (int i = 0; i < 50; i++) {
            CallReport q = r.call("q" + i);
            assertEquals(CallStatus.CANCELLED, q.status());
            assertEquals(0, q.attempts());
            assertNull(q.startedAt());
        }
    }

    @Test
    void shouldLetEveryCallFinishUnderAllSettled() {
        RunReport r = run(JobSpec.builder("settled").failurePolicy(FailurePolicy.ALL_SETTLED)
                .call("fails", ctx -> { throw new IllegalStateException("x"); })
                .call("slow", new SleepCall(Duration.ofMillis(200), null, false))
                .call("fails-too", ctx -> {
                    Thread.sleep(100);
                    throw new IllegalArgumentException("y");
                })
                .build());
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals("fails", r.cause().call());
        assertEquals(CallStatus.SUCCEEDED, r.call("slow").status());
        assertEquals(CallStatus.FAILED, r.call("fails-too").status());
        assertNull(r.abortReason());
    }

    @Test
    void shouldEndAbortedWhenAbortedFromOutside() {
        TestProbe<RunEvent> events = testKit.createTestProbe();
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        JobSpec job = JobSpec.builder("external").maxParallelism(1)
                .call("long", new SleepCall(Duration.ofSeconds(30), null, false))
                .call("queued", ctx -> "never")
                .build();
        ActorRef<RunSupervisor.Command> sup = testKit.spawn(RunSupervisor.create("ext", job, done.ref(), events.ref()::tell));
        events.fishForMessage(Duration.ofSeconds(5), e -> e instanceof RunEvent.CallStarted
                ? akka.actor.testkit.typed.javadsl.FishingOutcomes.complete() : akka.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
        sup.tell(new RunSupervisor.Abort("user asked"));
        RunReport r = done.expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(5)).report();
        assertEquals(RunStatus.ABORTED, r.status());
        assertNull(r.cause());
        assertEquals("user asked", r.abortReason());
        assertEquals(CallStatus.ABORTED, r.call("long").status());
        assertEquals(CallStatus.CANCELLED, r.call("queued").status());
        assertNoWarnings();
    }

    @Test
    void shouldTellEveryEventInOrder() {
        TestProbe<RunEvent> events = testKit.createTestProbe();
        run(JobSpec.builder("events").call("a", ctx -> {
            ctx.progress("half way");
            return 1;
        }).build(), events);
        assertTrue(events.receiveMessage() instanceof RunEvent.RunStarted);
        assertTrue(events.receiveMessage() instanceof RunEvent.CallStarted);
        RunEvent next = events.receiveMessage();
        if (next instanceof RunEvent.CallProgressed p) {
            assertEquals("half way", p.message());
            next = events.receiveMessage();
        }
        assertTrue(next instanceof RunEvent.CallFinished);
        RunEvent.RunFinished f = (RunEvent.RunFinished) events.receiveMessage();
        // progress is live-only: the final report says how the call ended, not what it last said
        assertNull(f.report().call("a").progress());
    }

    @Test
    void shouldReportAbortedExceptionThrownByCheckpoint() {
        RunReport r = run(JobSpec.builder("checkpoint")
                .call("fails", ctx -> {
                    Thread.sleep(30);
                    throw new IllegalStateException("x");
                })
                .call(CallSpec.of("polls", ctx -> {
                    while (true) ctx.checkpoint();
                }).withInterruptOnAbort(false))
                .build());
        assertEquals(CallStatus.ABORTED, r.call("polls").status());
        assertEquals(new AbortedException("fails failed").toString(), r.call("polls").error());
    }

    @Test
    void shouldGiveEachCallItsOwnThreadNeverAnActorThread() {
        AtomicBoolean onActorThread = new AtomicBoolean();
        RunReport r = run(JobSpec.builder("threads").call("a", ctx -> {
            onActorThread.set(Thread.currentThread().getName().contains("akka.actor"));
            return Thread.currentThread().isDaemon();
        }).build());
        assertFalse(onActorThread.get());
        assertEquals("true", r.call("a").result(), "blocking threads are daemons");
        assertNotEquals(null, r.call("a").thread());
    }

    // ---- a run spawned ahead of its start time (a schedule's fire, submitted before it is due): it
    // waits, live, with every call queued, starts its calls at its time, and an abort or a shutdown
    // while it waits ends it with every call CANCELLED and none run.

    /** Two calls that note when their thread began them. */
    private static JobSpec noting(Map<String, Instant> began) {
        return JobSpec.builder("held")
                .call("a", ctx -> began.put("a", Instant.now()))
                .call("b", ctx -> began.put("b", Instant.now()))
                .build();
    }

    private record Spawned(ActorRef<RunSupervisor.Command> run, TestProbe<RunSupervisor.RunFinished> done,
                           TestProbe<RunEvent> events) {
    }

    private static Spawned spawn(JobSpec job, Instant startAt) {
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        TestProbe<RunEvent> events = testKit.createTestProbe();
        String id = "s" + runs.incrementAndGet();
        ActorRef<RunSupervisor.Command> run = testKit.spawn(
                RunSupervisor.create(id, job, done.ref(), events.ref()::tell, startAt), "run-" + id);
        return new Spawned(run, done, events);
    }

    @Test
    void shouldWaitWithEveryCallQueuedAndStartThemAtItsStartTime() {
        Map<String, Instant> began = new ConcurrentHashMap<>();
        Instant startAt = Instant.now().plusMillis(400);
        Spawned s = spawn(noting(began), startAt);

        TestProbe<RunReport> snapshot = testKit.createTestProbe();
        s.run().tell(new RunSupervisor.GetSnapshot(snapshot.ref()));
        RunReport waiting = snapshot.receiveMessage(Duration.ofSeconds(5));
        assertTrue(Instant.now().isBefore(startAt), "the snapshot came too late to tell anything");
        assertEquals(RunStatus.RUNNING, waiting.status());
        assertNull(waiting.startedAt(), "not started yet");
        assertEquals(List.of(CallStatus.QUEUED, CallStatus.QUEUED), waiting.calls().stream().map(CallReport::status).toList());
        s.events().expectNoMessage(Duration.ofMillis(100));

        RunReport r = s.done().receiveMessage(Duration.ofSeconds(10)).report();
        assertEquals(RunStatus.SUCCEEDED, r.status());
        assertFalse(r.startedAt().isBefore(startAt), r.startedAt() + " before " + startAt);
        for (String c : List.of("a", "b")) {
            assertFalse(began.get(c).isBefore(startAt), c + " began at " + began.get(c) + ", before " + startAt);
            assertFalse(r.call(c).startedAt().isBefore(startAt), c);
        }
        RunEvent.RunStarted started = assertInstanceOf(RunEvent.RunStarted.class, s.events().receiveMessage());
        assertEquals(r.startedAt(), started.at());
        assertNoWarnings();
    }

    @Test
    void shouldStartAtOnceWhenItsStartTimeHasPassed() {
        Map<String, Instant> began = new ConcurrentHashMap<>();
        Spawned s = spawn(noting(began), Instant.now().minusSeconds(1));
        RunReport r = s.done().receiveMessage(Duration.ofSeconds(10)).report();
        assertEquals(RunStatus.SUCCEEDED, r.status());
        assertEquals(2, began.size());
        assertNoWarnings();
    }

    @Test
    void shouldCancelEveryCallWhenAbortedWhileItWaitsAndRunNone() throws Exception {
        Map<String, Instant> began = new ConcurrentHashMap<>();
        Instant submitted = Instant.now();
        // Its start time is soon after the abort: the timer it had must not start it afterwards.
        Spawned s = spawn(noting(began), submitted.plusMillis(600));
        Thread.sleep(100);
        s.run().tell(new RunSupervisor.Abort("the schedule was paused", AbortKind.USER));
        RunReport r = s.done().receiveMessage(Duration.ofSeconds(5)).report();
        assertEquals(RunStatus.ABORTED, r.status());
        assertEquals("the schedule was paused", r.abortReason());
        assertEquals(List.of(CallStatus.CANCELLED, CallStatus.CANCELLED), r.calls().stream().map(CallReport::status).toList());
        assertTrue(r.startedAt().isBefore(submitted.plusMillis(600)), "started (aborted) at the abort, not at its time");
        List<RunEvent> events = s.events().receiveSeveralMessages(5);
        assertInstanceOf(RunEvent.RunStarted.class, events.get(0));
        assertInstanceOf(RunEvent.AbortRequested.class, events.get(1));
        assertInstanceOf(RunEvent.RunFinished.class, events.get(4));
        // Past its start time: nothing ran, nothing more was told, no dead letter (see @AfterEach).
        Thread.sleep(700);
        assertEquals(Map.of(), began);
        s.events().expectNoMessage(Duration.ofMillis(50));
        assertNoWarnings();
    }

    @Test
    void shouldEndARunThatWaitsWhenAndonShutsDownWithNoCallRun() throws Exception {
        Map<String, Instant> began = new ConcurrentHashMap<>();
        Andon andon = Andon.start(ConfigFactory.load(), "start-at-shutdown");
        RunHandle h;
        try {
            h = andon.submit(noting(began), RunListener.NONE, Trigger.API, Instant.now().plusSeconds(30));
            h.accepted().toCompletableFuture().get(5, TimeUnit.SECONDS);
            Thread.sleep(100);
        } finally {
            long closing = System.nanoTime();
            andon.close();
            assertTrue(System.nanoTime() - closing < TimeUnit.SECONDS.toNanos(10), "Andon waited for the run's start time");
        }
        RunReport r = h.report().toCompletableFuture().get(5, TimeUnit.SECONDS);
        assertEquals(RunStatus.ABORTED, r.status());
        assertEquals(List.of(CallStatus.CANCELLED, CallStatus.CANCELLED), r.calls().stream().map(CallReport::status).toList());
        assertEquals(Map.of(), began);
        assertNoWarnings();
    }
}
