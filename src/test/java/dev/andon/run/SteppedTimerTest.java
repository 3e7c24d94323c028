package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.Cancellable;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Timers of any length on a scheduler that takes at most Integer.MAX_VALUE ticks at once. */
class SteppedTimerTest {
    // andon run's tick: Akka's scheduler alone refuses anything beyond ~24.8 days here.
    private static final ActorTestKit testKit = ActorTestKit.create("SteppedTimerTest",
            ConfigFactory.parseString("akka.scheduler.tick-duration = 1ms").withFallback(ConfigFactory.load()));

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @Test
    void shouldKnowTheLongestDelayAkkasSchedulerTakes() {
        // Integer.MAX_VALUE ticks of 1 ms, halved: 12.4 days.
        assertEquals(Duration.ofNanos(1_000_000L * Integer.MAX_VALUE / 2), SteppedTimer.longestStep(1000.0));
        Duration step = SteppedTimer.of(testKit.system()).step();
        assertEquals(SteppedTimer.longestStep(1000.0), step);
        // The step is one the scheduler takes; twice it is not.
        testKit.system().scheduler().scheduleOnce(step, () -> { }, testKit.system().executionContext()).cancel();
        assertThrows(IllegalArgumentException.class, () -> testKit.system().scheduler()
                .scheduleOnce(step.multipliedBy(2).plusDays(1), () -> { }, testKit.system().executionContext()));
    }

    @Test
    void shouldAcceptAnyDelayThatHoconCanExpress() {
        SteppedTimer timer = SteppedTimer.of(testKit.system());
        TestProbe<String> probe = testKit.createTestProbe();
        Cancellable days300 = timer.scheduleOnce(Duration.ofDays(300), probe.getRef(), "300d");
        Cancellable years292 = timer.scheduleOnce(Duration.ofNanos(Long.MAX_VALUE), probe.getRef(), "292y");
        probe.expectNoMessage(Duration.ofMillis(300));
        assertTrue(days300.cancel());
        assertTrue(years292.cancel());
        assertTrue(days300.isCancelled());
        assertFalse(days300.cancel(), "cancelled once only");
    }

    @Test
    void shouldSendOnlyOnceTheWholeDelayHasPassedInSteps() {
        // Steps of 40 ms stand for the scheduler's limit: 400 ms is ten of them.
        SteppedTimer timer = new SteppedTimer(testKit.system().scheduler(), Duration.ofMillis(40));
        TestProbe<String> probe = testKit.createTestProbe();
        long start = System.nanoTime();
        Cancellable c = timer.scheduleOnce(Duration.ofMillis(400), probe.getRef(), "fired");
        assertEquals("fired", probe.expectMessageClass(String.class, Duration.ofSeconds(10)));
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(elapsedMillis >= 400, "fired after " + elapsedMillis + " ms");
        probe.expectNoMessage(Duration.ofMillis(200));
        assertFalse(c.cancel(), "a timer that fired cannot be cancelled");
        assertFalse(c.isCancelled());
    }

    @Test
    void shouldNeverSendOnceCancelledBetweenSteps() {
        SteppedTimer timer = new SteppedTimer(testKit.system().scheduler(), Duration.ofMillis(20));
        TestProbe<String> probe = testKit.createTestProbe();
        Cancellable c = timer.scheduleOnce(Duration.ofMillis(300), probe.getRef(), "fired");
        probe.expectNoMessage(Duration.ofMillis(100)); // a few steps re-armed by now
        assertTrue(c.cancel());
        probe.expectNoMessage(Duration.ofMillis(500));
    }

    @Test
    void shouldSendAShortDelayInOneStep() {
        SteppedTimer timer = new SteppedTimer(testKit.system().scheduler(), Duration.ofSeconds(1));
        TestProbe<String> probe = testKit.createTestProbe();
        timer.scheduleOnce(Duration.ZERO, probe.getRef(), "now");
        timer.scheduleOnce(Duration.ofMillis(50), probe.getRef(), "soon");
        assertEquals("now", probe.receiveMessage(Duration.ofSeconds(5)));
        assertEquals("soon", probe.receiveMessage(Duration.ofSeconds(5)));
    }
}
