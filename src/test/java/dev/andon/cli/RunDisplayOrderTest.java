package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import dev.andon.run.CallReport;
import dev.andon.run.CallSpec;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunEvent;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The event lines of {@code andon run} on stderr are in the order of their times, with the log's
 * lines among them: events told out of turn, and a warning logged before a call's end, which the
 * log's own thread used to print after the run's last line.
 */
class RunDisplayOrderTest {
    private static final Instant T0 = Instant.parse("2026-01-01T11:00:11.000Z");
    private static final JobSpec JOB = JobSpec.builder("demo")
            .call(CallSpec.of("c1", ctx -> "1")).call(CallSpec.of("c3", ctx -> "3")).build();

    private static final class Shown {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final RunDisplay display;

        Shown(Duration delay) {
            display = new RunDisplay(JOB, false, new PrintStream(bytes, true, StandardCharsets.UTF_8), delay);
        }

        List<String> lines() throws InterruptedException {
            display.awaitShown(Duration.ofSeconds(20));
            return Arrays.asList(bytes.toString(StandardCharsets.UTF_8).split("\n"));
        }
    }

    private static RunEvent.CallStarted started(String call, long atMillis) {
        return new RunEvent.CallStarted("r-1", T0.plusMillis(atMillis), call, 1, "andon-blocking-" + call);
    }

    private static RunEvent.RunFinished finished(long atMillis) {
        return finishedAt(T0.plusMillis(atMillis));
    }

    private static RunEvent.RunFinished finishedAt(Instant end) {
        long atMillis = Duration.between(T0, end).toMillis();
        List<CallReport> calls = List.of(CallReport.builder("c1", CallStatus.SUCCEEDED).build(),
                CallReport.builder("c3", CallStatus.SUCCEEDED).build());
        return new RunEvent.RunFinished("r-1", end,
                new RunReport("r-1", "demo", RunStatus.SUCCEEDED, null, null, T0, end, atMillis, calls, null));
    }

    /** The time of each line (its first field), as HH:mm:ss.SSS. */
    private static void assertInTimeOrder(List<String> lines) {
        LocalTime last = LocalTime.MIN;
        for (String line : lines) {
            LocalTime at = LocalTime.parse(line.substring(0, line.indexOf(' ')));
            assertFalse(at.isBefore(last), () -> "out of time order:\n" + String.join("\n", lines));
            last = at;
        }
    }

    @Test
    void shouldPrintAStartToldLateBeforeTheStartsThatOvertookIt() throws InterruptedException {
        Shown shown = new Shown(Duration.ofMillis(250));
        shown.display.onEvent(new RunEvent.RunStarted("r-1", T0, "demo", 2));
        shown.display.onEvent(started("c3", 276)); // heard first
        shown.display.onEvent(started("c1", 163)); // started first
        shown.display.onEvent(finished(2000));
        List<String> lines = shown.lines();
        assertEquals(4, lines.size(), () -> String.join("\n", lines));
        assertInTimeOrder(lines);
        assertTrue(lines.get(1).contains("c1 RUNNING") && lines.get(2).contains("c3 RUNNING"), lines::toString);
    }

    @Test
    void shouldPrintInTheOrderHeardWithNoDelay() throws InterruptedException {
        Shown shown = new Shown(Duration.ZERO);
        shown.display.onEvent(new RunEvent.RunStarted("r-1", T0, "demo", 2));
        shown.display.onEvent(started("c3", 276));
        // the printer's thread has shown it before the next comes
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!shown.bytes.toString(StandardCharsets.UTF_8).contains("c3 RUNNING")) {
            assertTrue(System.nanoTime() < until, "c3's start was never shown");
            Thread.onSpinWait();
        }
        shown.display.onEvent(started("c1", 163));
        shown.display.onEvent(finished(2000));
        List<String> lines = shown.lines();
        assertTrue(lines.get(1).contains("c3 RUNNING") && lines.get(2).contains("c1 RUNNING"), lines::toString);
    }

    @Test
    void shouldPrintALogLineAmongTheEventsInItsTurnAndNothingAfterTheRunsEnd() throws InterruptedException {
        Shown shown = new Shown(Duration.ofMillis(250));
        shown.display.onEvent(new RunEvent.RunStarted("r-1", T0, "demo", 2));
        shown.display.onEvent(started("c1", 163));
        shown.display.onEvent(started("c3", 276));
        CallReport deaf = CallReport.builder("c3", CallStatus.ABANDONED).thread("andon-blocking-c3").build();
        shown.display.onEvent(new RunEvent.CallFinished("r-1", T0.plusMillis(1900), deaf, true));
        // logged before the call's end was reported, heard after it
        assertTrue(shown.display.note(T0.plusMillis(1899), () -> "11:00:12.899 WARN  call c3 ABANDONED\n"));
        shown.display.onEvent(finished(1900));
        List<String> lines = shown.lines();
        assertInTimeOrder(lines);
        assertEquals(6, lines.size(), () -> String.join("\n", lines));
        assertEquals("11:00:12.899 WARN  call c3 ABANDONED", lines.get(3));
        assertTrue(lines.get(4).contains("c3 ABANDONED still running") && lines.get(5).contains("run r-1 SUCCEEDED"),
                () -> String.join("\n", lines));
        assertFalse(shown.display.note(T0.plusMillis(2500), () -> "late\n"), "a line after the run's end is the caller's to print");
    }

    @Test
    void shouldPrintTheLogsStderrLinesThroughTheDisplayWhileItShowsARun() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setTarget("System.err");
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger - %msg%n");
        encoder.start();
        stderr.setEncoder(encoder);
        stderr.start();
        stderr.setOutputStream(console); // what the terminal would get from it
        AsyncAppenderBase<ILoggingEvent> async = new ch.qos.logback.classic.AsyncAppender();
        async.setContext(context);
        async.setName("test-async-stderr");
        async.addAppender(stderr);
        async.start();
        root.addAppender(async);
        org.slf4j.Logger log = LoggerFactory.getLogger("dev.andon.cli.RunDisplayOrderTest.routed");
        try {
            Shown shown = new Shown(Duration.ofMillis(250));
            try (AutoCloseable routed = DisplayedLog.to(shown.display)) {
                // the log's events carry milliseconds: a start at the microsecond could fall after its line
                shown.display.onEvent(new RunEvent.RunStarted("r-1",
                        Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), "demo", 2));
                log.warn("call {} ABANDONED", "c3");
                // not truncated: the end may not fall before the start (it did, in a CI run, within one ms)
                shown.display.onEvent(finishedAt(Instant.now()));
                List<String> lines = shown.lines();
                assertEquals(3, lines.size(), lines::toString);
                assertTrue(lines.get(1).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  dev\\.andon\\.cli\\.RunDisplayOrderTest\\.routed"
                        + " - call c3 ABANDONED"), lines::toString);
                // the run has ended: the log goes its own way again
                log.warn("after the run");
            }
            async.stop(); // flushes
            String direct = console.toString(StandardCharsets.UTF_8);
            assertFalse(direct.contains("ABANDONED"), direct);
            assertTrue(direct.contains("after the run"), direct);
        } finally {
            root.detachAppender("andon-run-display");
            root.detachAppender(async);
            async.stop();
        }
    }
}
