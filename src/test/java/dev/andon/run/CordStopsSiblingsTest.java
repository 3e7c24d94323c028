package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.typesafe.config.ConfigFactory;
import dev.andon.testutil.LogRecorder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The thread of a call that fails under fail-fast pulls the cord and stops its running siblings
 * itself (RunSignal.stopRunning): interrupts and abort hooks begin before any actor has heard of
 * the failure. Shown with Andon's actors held: they get one thread, and the listener keeps it
 * until the siblings have been stopped (or 20 s).
 */
class CordStopsSiblingsTest {
    private static final ActorTestKit testKit = ActorTestKit.create("CordStopsSiblingsTest",
            ConfigFactory.parseString("""
                    andon.blocking-dispatcher.pool-size = 8
                    andon.actor-dispatcher {
                      fork-join-executor { parallelism-min = 1, parallelism-max = 1 }
                    }
                    """).withFallback(ConfigFactory.load()).resolve());
    private static final int SIBLINGS = 4;
    @RegisterExtension
    static final LogRecorder log = LogRecorder.forTestClass();

    @AfterAll
    static void stopTestKit() {
        testKit.shutdownTestKit();
    }

    @Test
    void shouldInterruptAndRunTheHooksOfRunningSiblingsBeforeTheActorsHear() throws Exception {
        CountDownLatch running = new CountDownLatch(SIBLINGS);
        CountDownLatch stopped = new CountDownLatch(SIBLINGS); // by an interrupt, or an abort hook
        AtomicBoolean hookReturned = new AtomicBoolean();
        JobSpec.Builder b = JobSpec.builder("fail-fast").maxParallelism(SIBLINGS + 1);
        for (int i = 0; i < SIBLINGS; i++) {
            boolean hooked = i == 0; // s0 stops by its hook alone (no interrupt), the others by their interrupt
            CallSpec sibling = CallSpec.of("s" + i, ctx -> {
                CountDownLatch released = new CountDownLatch(1);
                if (hooked) ctx.onAbort(() -> {
                    stopped.countDown();
                    sleep(200); // the call's ack must wait for its hook to return
                    hookReturned.set(true);
                    released.countDown();
                });
                running.countDown();
                try {
                    if (!released.await(60, TimeUnit.SECONDS)) return "never stopped";
                } catch (InterruptedException e) {
                    stopped.countDown();
                    throw e;
                }
                ctx.checkpoint();
                return "released without an abort";
            });
            b.call(hooked ? sibling.withInterruptOnAbort(false) : sibling);
        }
        b.call("fails", ctx -> {
            if (!running.await(30, TimeUnit.SECONDS)) throw new AssertionError("siblings not running");
            throw new IllegalStateException("planned failure");
        });
        AtomicBoolean heldUntilStopped = new AtomicBoolean();
        AtomicBoolean held = new AtomicBoolean();
        Map<String, Boolean> hookReturnedAtAck = new ConcurrentHashMap<>();
        RunListener listener = e -> {
            if (e instanceof RunEvent.CallStarted && held.compareAndSet(false, true)) {
                try {
                    heldUntilStopped.set(stopped.await(20, TimeUnit.SECONDS));
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            if (e instanceof RunEvent.CallFinished f) hookReturnedAtAck.put(f.report().name(), hookReturned.get());
        };
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        testKit.spawn(RunSupervisor.create("c1", b.build(), done.ref(), listener), "run-c1");
        RunReport r = done.expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(60)).report();

        assertTrue(heldUntilStopped.get(), "the siblings were not stopped while the actors were held");
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals("fails", r.cause().call());
        for (int i = 0; i < SIBLINGS; i++) assertEquals(CallStatus.ABORTED, r.calls().get(i).status(), r.calls().get(i).toString());
        assertEquals(Boolean.TRUE, hookReturnedAtAck.get("s0"), "s0 acknowledged before its hook returned");
        assertEquals(List.of(), log.warningsAndErrors());
        assertEquals(List.of(), log.deadLetters());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
