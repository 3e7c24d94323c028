package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.FishingOutcomes;
import akka.actor.testkit.typed.javadsl.ManualTime;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@code heartbeat-timeout} on Akka's {@link ManualTime}: a call that goes that long without a
 * heartbeat is aborted as timed out, and each heartbeat (a bare one, or progress) gives it the
 * whole limit again. No test waits for the limit in real time.
 */
class HeartbeatTimeoutTest {
    private static final ActorTestKit testKit = ActorTestKit.create("HeartbeatTimeoutTest",
            ManualTime.config().withFallback(ConfigFactory.load()));
    private static final ManualTime manualTime = ManualTime.get(testKit.system());

    @AfterAll
    static void cleanup() {
        testKit.shutdownTestKit();
    }

    private record Started(TestProbe<RunEvent> events, TestProbe<RunSupervisor.RunFinished> done,
                           ActorRef<RunSupervisor.Command> supervisor) {
        <T extends RunEvent> T await(Class<T> type, Predicate<T> which) {
            RunEvent e = events.fishForMessage(Duration.ofSeconds(10), m -> type.isInstance(m) && which.test(type.cast(m))
                    ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
            return type.cast(e);
        }
    }

    private static Started start(String id, CallSpec call) {
        TestProbe<RunEvent> events = testKit.createTestProbe();
        TestProbe<RunSupervisor.RunFinished> done = testKit.createTestProbe();
        return new Started(events, done, testKit.spawn(
                RunSupervisor.create(id, JobSpec.builder("hb").call(call).build(), done.ref(), events.ref()::tell), id));
    }

    /** A call that beats or reports progress when told to, and is otherwise silent (but abortable). */
    private static CallSpec obedient(String name, BlockingQueue<String> orders) {
        return CallSpec.of(name, ctx -> {
            while (true) {
                ctx.checkpoint();
                String order = orders.poll(1, TimeUnit.MILLISECONDS);
                if ("beat".equals(order)) ctx.heartbeat();
                else if (order != null) ctx.progress(order);
            }
        });
    }

    @Test
    void shouldTimeOutACallThatGoesItsHeartbeatTimeoutWithoutAHeartbeat() {
        BlockingQueue<String> orders = new LinkedBlockingQueue<>();
        Started s = start("hb-silent", obedient("stalls", orders).withHeartbeatTimeout(Duration.ofSeconds(30)));
        s.await(RunEvent.CallStarted.class, e -> true);

        manualTime.expectNoMessageFor(Duration.ofSeconds(29), s.done());
        orders.add("beat");
        RunEvent.CallHeartbeat beat = s.await(RunEvent.CallHeartbeat.class, e -> e.call().equals("stalls"));
        RunReport live = snapshot(s);
        assertEquals(beat.at(), live.call("stalls").lastHeartbeatAt(), "the live state shows the last heartbeat");

        manualTime.expectNoMessageFor(Duration.ofSeconds(29), s.done()); // 58 s since it started, 29 since it beat
        orders.add("half way");
        s.await(RunEvent.CallProgressed.class, e -> e.message().equals("half way")); // progress is a heartbeat too
        manualTime.expectNoMessageFor(Duration.ofSeconds(29), s.done());
        manualTime.timePasses(Duration.ofSeconds(1));

        RunReport r = s.done().expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(10)).report();
        CallReport c = r.call("stalls");
        assertEquals(CallStatus.TIMED_OUT, c.status(), c.toString());
        assertTrue(c.error().startsWith("java.util.concurrent.TimeoutException: no heartbeat for 30s"), c.error());
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals("stalls", r.cause().call());
        assertNotNull(c.abortToAckMillis());
        assertNull(c.lastHeartbeatAt(), "a final report has no live heartbeat");
    }

    @Test
    void shouldLeaveASilentCallAloneWithoutAHeartbeatTimeout() {
        BlockingQueue<String> orders = new LinkedBlockingQueue<>();
        Started s = start("hb-off", obedient("quiet", orders));
        s.await(RunEvent.CallStarted.class, e -> true);
        manualTime.expectNoMessageFor(Duration.ofHours(2), s.done());
        orders.add("beat"); // no heartbeat-timeout: nothing is told for a bare heartbeat
        orders.add("still here");
        s.await(RunEvent.CallProgressed.class, e -> e.message().equals("still here"));
        assertNotNull(snapshot(s).call("quiet").lastHeartbeatAt(), "progress is a sign of life all the same");
        s.supervisor().tell(new RunSupervisor.Abort("enough"));
        RunReport r = s.done().expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(10)).report();
        assertEquals(CallStatus.ABORTED, r.call("quiet").status());
        assertEquals(RunStatus.ABORTED, r.status());
    }

    @Test
    void shouldTimeTheHeartbeatOfEachAttemptFromItsStartNotThroughItsBackoff() {
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        Started s = start("hb-retry", CallSpec.of("flaky", ctx -> {
            if (attempts.incrementAndGet() == 1) throw new java.io.IOException("first fails");
            while (true) {
                ctx.checkpoint();
                Thread.sleep(1);
            }
        }).withRetry(new RetryPolicy(2, Duration.ofSeconds(50), Duration.ofSeconds(50), java.util.List.of()))
                .withHeartbeatTimeout(Duration.ofSeconds(30)));
        s.await(RunEvent.CallProgressed.class, e -> e.message().contains("retrying in"));
        manualTime.timePasses(Duration.ofSeconds(50)); // the backoff, longer than the heartbeat timeout
        s.await(RunEvent.CallStarted.class, e -> e.attempt() == 2);
        manualTime.expectNoMessageFor(Duration.ofSeconds(29), s.done());
        manualTime.timePasses(Duration.ofSeconds(1));
        RunReport r = s.done().expectMessageClass(RunSupervisor.RunFinished.class, Duration.ofSeconds(10)).report();
        assertEquals(CallStatus.TIMED_OUT, r.call("flaky").status(), r.toString());
        assertEquals(2, r.call("flaky").attempts());
    }

    private static RunReport snapshot(Started s) {
        TestProbe<RunReport> probe = testKit.createTestProbe();
        s.supervisor().tell(new RunSupervisor.GetSnapshot(probe.ref()));
        return probe.receiveMessage(Duration.ofSeconds(10));
    }
}
