package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.andon.run.ReportJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * No orphan process survives Andon: the real application runs jobs of real process trees and is
 * stopped by SIGTERM, or by a failing command; every process it started, to the grandchildren,
 * is gone when it exits.
 */
class ProcessTreeProcessTest {
    private static final String CLI_CONF = "src/test/resources/config/cli.conf";

    @Test
    void sigtermShouldLeaveNoProcessOfAnyTreeBehind() throws Exception {
        try (AndonProcess p = AndonProcess.start("run", "trees", "--json", "--config", CLI_CONF)) {
            p.awaitStderrLines(Duration.ofSeconds(30), "tree1 RUNNING", "tree2 RUNNING", "trap RUNNING", "deaf RUNNING");
            // 4 shells + 1 nested shell + 6 sleeps
            Set<Long> pids = awaitDescendants(p.pid(), 11);
            p.signal("TERM");
            AndonProcess.Result r = p.await(Duration.ofSeconds(30));
            assertEquals(130, r.exitCode(), r::stderr);
            JsonNode report = ReportJson.mapper().readTree(r.stdout());
            assertEquals("ABORTED", report.get("status").asText());
            for (JsonNode c : report.get("calls")) assertEquals("ABORTED", c.get("status").asText(), c::toString);
            JsonNode trap = call(report, "trap");
            assertTrue(trap.get("details").get("stdoutTail").asText().contains("cleaning up"), trap::toString);
            assertEquals(List.of(), alive(pids), "processes outlived andon");
        }
    }

    @Test
    void aFailingCommandShouldTakeEveryTreeDownBeforeAndonExits() throws Exception {
        try (AndonProcess p = AndonProcess.start("run", "trees-failing", "--json", "--config", CLI_CONF)) {
            p.awaitStderrLines(Duration.ofSeconds(30), "tree1 RUNNING", "deaf RUNNING");
            Set<Long> pids = awaitDescendants(p.pid(), 5);
            AndonProcess.Result r = p.await(Duration.ofSeconds(30));
            assertEquals(1, r.exitCode(), r::stderr);
            JsonNode report = ReportJson.mapper().readTree(r.stdout());
            assertEquals("fails", report.get("cause").get("call").asText());
            assertTrue(report.get("cause").get("error").asText().contains("exit 3"), report::toString);
            assertEquals("ABORTED", call(report, "tree1").get("status").asText());
            assertEquals("ABORTED", call(report, "deaf").get("status").asText());
            assertEquals(List.of(), alive(pids), "processes outlived andon");
        }
    }

    private static JsonNode call(JsonNode report, String name) {
        for (JsonNode c : report.get("calls")) if (c.get("name").asText().equals(name)) return c;
        throw new AssertionError("no call " + name + " in " + report);
    }

    /** Waits until the process has at least {@code n} descendants, and returns their pids. */
    private static Set<Long> awaitDescendants(long pid, int n) throws InterruptedException {
        Set<Long> pids = new TreeSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
            if (pids.size() >= n) return pids;
            Thread.sleep(20);
        }
        throw new AssertionError("only " + pids.size() + " descendants of " + pid + " appeared: " + pids);
    }

    /** The pids still running: alive and not a zombie (this sandbox's init does not reap orphans). */
    private static List<String> alive(Set<Long> pids) {
        return pids.stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .map(pid -> {
                    try {
                        String stat = Files.readString(Path.of("/proc", pid.toString(), "stat"));
                        String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                        return state.equals("Z") ? null : pid + " (" + state + ") " + stat.substring(0, Math.min(60, stat.length()));
                    } catch (IOException e) {
                        return null; // gone meanwhile
                    }
                })
                .filter(s -> s != null)
                .toList();
    }
}
