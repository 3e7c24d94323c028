package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The configuration {@code andon run} starts its Andon with. */
class RunConfigTest {
    @Test
    void runShouldTickAtOneMillisecondByDefault() {
        assertEquals(Duration.ofMillis(10), ConfigFactory.load().getDuration("akka.scheduler.tick-duration"));
        assertEquals(Duration.ofMillis(1),
                RunCommand.runConfig(ConfigFactory.load()).getDuration("akka.scheduler.tick-duration"));
    }

    @Test
    void runShouldTickAtTheConfiguredSetting() {
        var config = ConfigFactory.parseString("andon.cli.scheduler-tick = 20ms, akka.scheduler.tick-duration = 5ms")
                .withFallback(ConfigFactory.load());
        assertEquals(Duration.ofMillis(20), RunCommand.runConfig(config).getDuration("akka.scheduler.tick-duration"));
    }

    @Test
    void runsShutdownShouldNeverExitTheJvmItself() {
        var config = ConfigFactory.parseString("akka.coordinated-shutdown.exit-jvm = on").withFallback(ConfigFactory.load());
        assertFalse(RunCommand.runConfig(config).getBoolean("akka.coordinated-shutdown.exit-jvm"));
    }
}
