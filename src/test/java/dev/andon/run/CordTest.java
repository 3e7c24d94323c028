package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The run's cord under fail-fast: a call that fails for good pulls it from its own thread, so its
 * siblings see the abort before any actor has heard of the failure; the first pull in time wins
 * and names the run's cause; a failure that will be retried pulls nothing.
 */
class CordTest {
    private static final ActorTestKit testKit = ActorTestKit.create("CordTest",
            ConfigFactory.parseString("andon.blocking-dispatcher.pool-size = 8").withFallback(ConfigFactory.load()));
    private static final AtomicInteger runs = new AtomicInteger();

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private static RunReport run(JobSpec job, RunListener listener) {
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        String id = "cord-" + runs.incrementAndGet();
        testKit.spawn(RunSupervisor.create(id, job, done.ref(), listener), id);
        return done.expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(30)).report();
    }

    /**
     * The supervisor is held (its listener blocks on the sibling's start) while the other call
     * fails: the sibling must still see the cord, which only the failing thread can have pulled.
     */
    @Test
    void shouldLetSiblingsSeeTheCordBeforeTheSupervisorHearsOfTheFailure() throws Exception {
        CountDownLatch siblingRunning = new CountDownLatch(1);
        CountDownLatch siblingSawCord = new CountDownLatch(1);
        AtomicReference<Boolean> sawWhileHeld = new AtomicReference<>();
        JobSpec job = JobSpec.builder("held")
                .call("fails", ctx -> {
                    siblingRunning.await();
                    throw new IllegalStateException("first");
                })
                .call("polls", ctx -> {
                    siblingRunning.countDown();
                    while (!ctx.abortRequested()) LockSupport.parkNanos(1_000_000);
                    siblingSawCord.countDown();
                    ctx.checkpoint();
                    return "not aborted";
                })
                .build();
        RunReport r = run(job, e -> {
            // On the supervisor's thread: hold it here until the sibling has seen the cord (or 10 s).
            if (e instanceof RunEvent.CallStarted s && s.call().equals("polls") && sawWhileHeld.get() == null) {
                try {
                    sawWhileHeld.set(siblingSawCord.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
            }
        });
        assertEquals(Boolean.TRUE, sawWhileHeld.get(), "the sibling saw the cord while the supervisor was held");
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals(new RunReport.Cause("fails", "java.lang.IllegalStateException: first"), r.cause());
        assertEquals("fails failed", r.abortReason());
        assertEquals(CallStatus.ABORTED, r.call("polls").status());
        assertEquals("dev.andon.call.AbortedException: aborted: fails failed", r.call("polls").error());
    }

    @Test
    void shouldNotPullTheCordForAFailureThatWillBeRetried() {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger attemptsWhenSeen = new AtomicInteger();
        JobSpec job = JobSpec.builder("retried")
                .call(CallSpec.of("fails", ctx -> {
                    attempts.incrementAndGet();
                    throw new IllegalStateException("attempt " + ctx.attempt());
                }).withRetry(new RetryPolicy(2, Duration.ofMillis(300), Duration.ofMillis(300), List.of())))
                .call("polls", ctx -> {
                    while (!ctx.abortRequested()) LockSupport.parkNanos(1_000_000);
                    attemptsWhenSeen.set(attempts.get());
                    ctx.checkpoint();
                    return "not aborted";
                })
                .build();
        RunReport r = run(job, RunListener.NONE);
        assertEquals(2, attemptsWhenSeen.get(), "the cord was pulled by the second, final failure only");
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals("java.lang.IllegalStateException: attempt 2", r.cause().error());
    }

    @Test
    void shouldLetTheFirstPullWinAndRecordWhichFailureItWas() throws Exception {
        for (int round = 0; round < 200; round++) {
            RunSignal signal = new RunSignal(true);
            int threads = 4;
            CyclicBarrier start = new CyclicBarrier(threads);
            AtomicInteger winners = new AtomicInteger();
            List<Thread> racers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String name = "c" + t;
                boolean supervisor = t == 0;
                Thread racer = new Thread(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    boolean won = supervisor ? signal.pull("deadline exceeded", AbortKind.DEADLINE)
                            : signal.pullForFailure(name, "java.lang.IllegalStateException: " + name);
                    if (won) winners.incrementAndGet();
                });
                racers.add(racer);
                racer.start();
            }
            for (Thread racer : racers) racer.join(10_000);
            assertEquals(1, winners.get());
            RunSignal.Pulled cord = signal.pulled();
            assertNotNull(cord);
            if (cord.failedCall() == null) {
                assertEquals(AbortKind.DEADLINE, cord.kind());
                assertNull(cord.error());
            } else {
                assertEquals(AbortKind.SIBLING_FAILED, cord.kind());
                assertEquals(cord.failedCall() + " failed", cord.reason());
                assertEquals("java.lang.IllegalStateException: " + cord.failedCall(), cord.error());
            }
            assertFalse(signal.pull("again", AbortKind.USER));
            assertEquals(cord, signal.pulled(), "never replaced");
        }
    }

    @Test
    void shouldLeaveTheCordToTheSupervisorUnderAllSettled() {
        RunSignal signal = new RunSignal(false);
        assertFalse(signal.pullForFailure("c", "x"));
        assertNull(signal.reason());
        assertTrue(signal.pull("shutdown", AbortKind.SHUTDOWN));
        assertEquals("shutdown", signal.reason());
    }
}
