package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code andon run}'s actor system ticks at {@code andon.cli.scheduler-tick}, whatever Akka's own default. */
class SchedulerTickTest {
    @Test
    void runShouldTickAtOneMillisecondByDefault() {
        assertEquals(Duration.ofMillis(10), ConfigFactory.load().getDuration("akka.scheduler.tick-duration"));
        assertEquals(Duration.ofMillis(1),
                RunCommand.withSchedulerTick(ConfigFactory.load()).getDuration("akka.scheduler.tick-duration"));
    }

    @Test
    void runShouldTickAtTheConfiguredSetting() {
        var config = ConfigFactory.parseString("andon.cli.scheduler-tick = 20ms, akka.scheduler.tick-duration = 5ms")
                .withFallback(ConfigFactory.load());
        assertEquals(Duration.ofMillis(20), RunCommand.withSchedulerTick(config).getDuration("akka.scheduler.tick-duration"));
    }
}
