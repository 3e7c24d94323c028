package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.andon.run.ReportJson;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code andon} as a user runs it: a separate JVM, real exit codes, real stdout and stderr, real
 * signals. Timing assertions are loose (a shared 2-core machine), never tighter than a second.
 */
class MainProcessTest {
    private static final String CLI_CONF = "src/test/resources/config/cli.conf";

    @Test
    void runDemoJsonShouldFailOnC2AndAbortC3AndC4() throws Exception {
        AndonProcess.Result r = AndonProcess.run("run", "demo", "--json");
        assertEquals(1, r.exitCode(), r::stderr);
        JsonNode report = onlyJson(r);
        assertEquals("demo", report.get("job").asText());
        assertEquals("FAILED", report.get("status").asText());
        assertEquals("c2", report.get("cause").get("call").asText());
        assertEquals("java.lang.IllegalStateException: don't like 2", report.get("cause").get("error").asText());
        long duration = report.get("durationMillis").asLong();
        assertTrue(duration >= 1500 && duration <= 4000, "run took " + duration + " ms");

        Map<String, JsonNode> calls = callsByName(report);
        assertEquals("SUCCEEDED", calls.get("c0").get("status").asText());
        assertEquals("0", calls.get("c0").get("result").asText());
        assertEquals("SUCCEEDED", calls.get("c1").get("status").asText());
        assertEquals("1", calls.get("c1").get("result").asText());
        assertEquals("FAILED", calls.get("c2").get("status").asText());
        assertEquals("java.lang.IllegalStateException: don't like 2", calls.get("c2").get("error").asText());
        for (String aborted : new String[] {"c3", "c4"}) {
            JsonNode c = calls.get(aborted);
            assertEquals("ABORTED", c.get("status").asText(), c::toString);
            long ack = c.get("abortToAckMillis").asLong(-1);
            assertTrue(ack >= 0 && ack < 1000, aborted + " acked after " + ack + " ms");
        }
        // Event lines (not a terminal) went to stderr, one per event.
        assertTrue(r.stderr().contains(" c2 FAILED java.lang.IllegalStateException: don't like 2"), r::stderr);
        // The rehearsal of a run's end (andon.cli.rehearse) ran during the 2 s run and said nothing.
        assertFalse(r.stderr().toLowerCase(java.util.Locale.ROOT).contains("rehears"), r::stderr);
        assertFalse(r.stderr().contains(" WARN ") || r.stderr().contains(" ERROR "), r::stderr);
    }

    @Test
    void aFailedRunShouldExit1EvenWhenTheDeploymentHasCoordinatedShutdownExitTheJvm(@org.junit.jupiter.api.io.TempDir
                                                                                  java.nio.file.Path dir) throws Exception {
        java.nio.file.Path conf = dir.resolve("exit-jvm.conf");
        java.nio.file.Files.writeString(conf, "akka.coordinated-shutdown.exit-jvm = on\n"
                + "andon.jobs.fails { calls = [ { name = a, kind = sleep, duration = 10ms, fail = \"no\" } ] }\n");
        AndonProcess.Result r = AndonProcess.run("run", "fails", "--config", conf.toString(), "--json");
        assertEquals(1, r.exitCode(), r::stderr); // CoordinatedShutdown's own exit would have said 0
        assertEquals("FAILED", onlyJson(r).get("status").asText());
    }

    @Test
    void runShouldPrintAResultsTableAndExit0WhenEveryCallSucceeds() throws Exception {
        AndonProcess.Result r = AndonProcess.run("run", "quick", "--config", CLI_CONF);
        assertEquals(0, r.exitCode(), r::stderr);
        assertTrue(r.stdout().contains("job quick  SUCCEEDED"), r::stdout);
        assertTrue(r.stdout().matches("(?s).*\\ba\\s+SUCCEEDED\\s+1\\s.*"), r::stdout);
        assertTrue(r.stdout().matches("(?s).*\\bb\\s+SUCCEEDED\\s+1\\s.*"), r::stdout);
    }

    @Test
    void runOfAnUnknownJobShouldExit2AndListTheJobs() throws Exception {
        AndonProcess.Result r = AndonProcess.run("run", "nosuchjob");
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("andon: no job \"nosuchjob\" in conf/application.conf; jobs: countdown, demo,"),
                r::stderr);
        assertEquals("", r.stdout());
    }

    @Test
    void checkShouldPrintEveryProblemOneLineEachAndExit2WithoutAStackTrace() throws Exception {
        AndonProcess.Result r = AndonProcess.run("check", "--config", "src/test/resources/config/many-problems.conf");
        assertEquals(2, r.exitCode());
        String f = "src/test/resources/config/many-problems.conf:";
        assertTrue(r.stderr().contains(f + "4: andon.jobs.typo.max-parallelism: must be at least 1, not 0\n"), r::stderr);
        assertTrue(r.stderr().contains(f + "10: andon.jobs.typo.calls[2].kind: unknown kind \"slep\";"), r::stderr);
        assertTrue(r.stderr().contains(f + "22: andon.htpp: unknown key; did you mean \"http\"?\n"), r::stderr);
        assertTrue(r.stderr().contains("andon: 19 problems in the configuration"), r::stderr);
        assertFalse(r.stderr().contains("\tat "), r::stderr);
        assertFalse(r.stderr().contains("Exception"), r::stderr);
    }

    @Test
    void checkShouldReportASyntaxErrorWithItsLine() throws Exception {
        AndonProcess.Result r = AndonProcess.run("check", "--config", "src/test/resources/config/syntax-error.conf");
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().startsWith("src/test/resources/config/syntax-error.conf:5: "), r::stderr);
        assertFalse(r.stderr().contains("\tat "), r::stderr);
    }

    @Test
    void checkShouldListTheJobsOfTheShippedCatalog() throws Exception {
        AndonProcess.Result r = AndonProcess.run("check");
        assertEquals(0, r.exitCode(), r::stderr);
        assertTrue(r.stdout().startsWith("conf/application.conf: OK, "), r::stdout);
        assertTrue(r.stdout().matches("(?s).*\\ndemo\\s+5\\s+fail-fast\\s.*"), r::stdout);
    }

    @Test
    void usageErrorsShouldExit2AndHelpShouldExit0() throws Exception {
        assertEquals(2, AndonProcess.run("run").exitCode());
        assertEquals(2, AndonProcess.run("frobnicate").exitCode());
        assertEquals(2, AndonProcess.run().exitCode());
        AndonProcess.Result help = AndonProcess.run("--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.stdout().contains("run") && help.stdout().contains("check") && help.stdout().contains("serve"),
                help::stdout);
        AndonProcess.Result runHelp = AndonProcess.run("run", "--help");
        assertEquals(0, runHelp.exitCode());
        assertTrue(runHelp.stdout().contains("--json"), runHelp::stdout);
    }

    @Test
    void sigintShouldAbortTheRunAwaitTheAcksAndExit130() throws Exception {
        abortBySignal("INT");
    }

    @Test
    void sigtermShouldAbortTheRunAwaitTheAcksAndExit130() throws Exception {
        abortBySignal("TERM");
    }

    private static void abortBySignal(String signal) throws Exception {
        try (AndonProcess p = AndonProcess.start("run", "long", "--json", "--config", CLI_CONF)) {
            p.awaitStderrLines(Duration.ofSeconds(30), "s1 RUNNING", "s2 RUNNING");
            p.signal(signal);
            AndonProcess.Result r = p.await(Duration.ofSeconds(30));
            assertEquals(130, r.exitCode(), r::stderr);
            JsonNode report = onlyJson(r);
            assertEquals("ABORTED", report.get("status").asText());
            assertEquals("SIG" + signal, report.get("abortReason").asText());
            Map<String, JsonNode> calls = callsByName(report);
            for (String aborted : new String[] {"s1", "s2"}) {
                JsonNode c = calls.get(aborted);
                assertEquals("ABORTED", c.get("status").asText(), c::toString);
                long ack = c.get("abortToAckMillis").asLong(-1);
                assertTrue(ack >= 0 && ack < 1000, aborted + " acked after " + ack + " ms");
            }
            assertEquals("CANCELLED", calls.get("s3").get("status").asText());
            assertTrue(report.get("durationMillis").asLong() < 30_000);
        }
    }

    /** stdout must hold the report's JSON and nothing else. */
    private static JsonNode onlyJson(AndonProcess.Result r) throws Exception {
        String out = r.stdout().strip();
        assertTrue(out.startsWith("{") && out.endsWith("}") && !out.contains("\n"), () -> "stdout: " + r.stdout());
        return ReportJson.mapper().readTree(out);
    }

    private static Map<String, JsonNode> callsByName(JsonNode report) {
        Map<String, JsonNode> calls = new HashMap<>();
        for (JsonNode c : report.get("calls")) calls.put(c.get("name").asText(), c);
        return calls;
    }
}
