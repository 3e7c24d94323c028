package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.testutil.LogRecorder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rehearsal {@code andon run} does of a run's end: complete, cut short at any moment, or off. */
class RehearsalTest {
    private LogRecorder logs;

    @BeforeEach
    void attach() {
        logs = LogRecorder.attach();
    }

    @AfterEach
    void detach() {
        logs.detach();
    }

    private static Config config(String settings) {
        return ConfigFactory.parseString(settings).withFallback(ConfigFactory.load());
    }

    @Test
    void shouldRehearseAFailureTwoAbortsAndAShutdown() throws Exception {
        Rehearsal r = Rehearsal.startIfEnabled(config("andon.cli.rehearse-after = 0s"));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (r.report().isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
        r.finish();

        RunReport report = r.report().orElseThrow();
        assertEquals(RunStatus.FAILED, report.status(), report::toString);
        assertEquals("fails", report.cause().call());
        assertEquals(Map.of("fails", CallStatus.FAILED, "sleeps", CallStatus.ABORTED, "hooked", CallStatus.ABORTED),
                statuses(report));
        assertTrue(r.ended(), "its thread ended and its Andon terminated");
        assertQuiet();
    }

    @Test
    void shouldEndCleanlyWhenCutShortAtAnyMoment() throws Exception {
        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        for (int i = 0; i < 16; i++) {
            Rehearsal r = Rehearsal.startIfEnabled(config("andon.cli.rehearse-after = " + random.nextInt(30) + "ms"));
            Thread.sleep(random.nextInt(400));
            r.finish();
            String where = "seed " + seed + ", round " + i;
            assertTrue(r.ended(), where + ": its thread ended and its Andon terminated");
            r.report().ifPresent(report -> {
                // Cut short before its failure, the run is ABORTED; every call has a final outcome.
                assertTrue(report.status() == RunStatus.FAILED || report.status() == RunStatus.ABORTED,
                        where + ": " + report);
                assertEquals(3, report.calls().size(), where);
                for (CallReport c : report.calls()) {
                    assertTrue(c.status() == CallStatus.FAILED || c.status() == CallStatus.ABORTED
                            || c.status() == CallStatus.CANCELLED, where + ": " + c);
                }
            });
        }
        assertQuiet();
    }

    @Test
    void aRunThatEndsWithinTheDelayShouldStartNothing() throws Exception {
        Rehearsal r = Rehearsal.startIfEnabled(config("andon.cli.rehearse-after = 10s"));
        long start = System.nanoTime();
        r.finish();
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos(), "finish waited out the delay");
        assertTrue(r.ended());
        assertFalse(r.startedAndon());
        assertTrue(r.report().isEmpty());
    }

    @Test
    void itsShutdownShouldNeverExitTheJvm() throws Exception {
        Config deployment = config("akka.coordinated-shutdown.exit-jvm = on, andon.cli.rehearse-after = 0s");
        Config own = Rehearsal.ownConfig(deployment);
        assertFalse(own.getBoolean("akka.coordinated-shutdown.exit-jvm"));
        assertTrue(own.getBoolean("akka.coordinated-shutdown.terminate-actor-system"));
        assertEquals(Rehearsal.SYSTEM_NAME + "-blocking", own.getString("andon.blocking-dispatcher.thread-name-prefix"));
        // And for real: this JVM is still here to see the rehearsal end.
        Rehearsal r = Rehearsal.startIfEnabled(deployment);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (r.report().isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
        r.finish();
        assertTrue(r.ended());
        assertEquals(RunStatus.FAILED, r.report().orElseThrow().status());
    }

    @Test
    void offShouldRehearseNothing() {
        assertNull(Rehearsal.startIfEnabled(config("andon.cli.rehearse = off")));
    }

    private void assertQuiet() {
        assertEquals(List.of(), logs.warningsAndErrors());
        assertEquals(List.of(), logs.deadLetters());
    }

    private static Map<String, CallStatus> statuses(RunReport report) {
        return report.calls().stream().collect(Collectors.toMap(CallReport::name, CallReport::status));
    }
}
