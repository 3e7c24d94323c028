package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user runs into in the first hour (issue 9), as a user runs {@code andon}: a JVM of its
 * own, started from the working directory the user is in.
 */
class NewcomerProcessTest {

    @Test
    void includesShouldResolveNextToTheIncludingFileFromItsOwnDirectory() throws Exception {
        Path conf = AndonProcess.HOME.resolve("conf");
        // the default file, found in andon.home, from inside conf/
        AndonProcess.Result byDefault = AndonProcess.runIn(conf, List.of(), "check");
        assertEquals(0, byDefault.exitCode(), byDefault::stderr);
        assertTrue(byDefault.stdout().startsWith("application.conf: OK, "), byDefault::stdout);
        for (String given : new String[] {"application.conf", "./application.conf", conf.resolve("application.conf").toString()}) {
            AndonProcess.Result r = AndonProcess.runIn(conf, List.of(), "check", "--config", given);
            assertEquals(0, r.exitCode(), () -> given + ": " + r.stderr());
            assertTrue(r.stdout().startsWith("application.conf: OK, "), r::stdout);
        }
    }

    @Test
    void includesShouldResolveNextToAFileInTheCurrentDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("app.conf"), "include required(\"jobs.conf\")\n");
        Files.writeString(dir.resolve("jobs.conf"), "andon.jobs.mine.calls = [ { name = a, kind = sleep, duration = 1ms } ]\n");
        AndonProcess.Result r = AndonProcess.runIn(dir, List.of(), "run", "mine", "--config", "app.conf");
        assertEquals(0, r.exitCode(), r::stderr);
        AndonProcess.Result typo = AndonProcess.runIn(dir, List.of(), "check", "--config", "app.conf");
        assertEquals(0, typo.exitCode(), typo::stderr);
        assertTrue(typo.stdout().startsWith("app.conf: OK, 1 job"), typo::stdout);
    }

    @Test
    void pathsShouldKeepTheirLeadingSlashWhenTheWorkingDirectoryIsRoot() throws Exception {
        AndonProcess.Result r = AndonProcess.runIn(Path.of("/"), List.of(), "check");
        assertEquals(0, r.exitCode(), r::stderr);
        assertTrue(r.stdout().startsWith(AndonProcess.HOME.resolve("conf/application.conf") + ": OK, "), r::stdout);
        AndonProcess.Result bad = AndonProcess.runIn(Path.of("/"), List.of(), "check", "--config",
                AndonProcess.HOME.resolve("src/test/resources/config/syntax-error.conf").toString());
        assertEquals(2, bad.exitCode());
        assertTrue(bad.stderr().startsWith(AndonProcess.HOME.resolve("src/test/resources/config/syntax-error.conf") + ":5: "),
                bad::stderr);
    }

    @Test
    void everyCommandShouldPrintTheVersionItWasBuiltFrom() throws Exception {
        String expected = "andon " + readVersion("version") + " (" + readVersion("commit") + ")";
        assertTrue(readVersion("commit").matches("[0-9a-f]{7,}.*|v?\\d.*"), readVersion("commit"));
        for (List<String> args : List.of(List.of("-V"), List.of("run", "-V"), List.of("check", "--version"),
                List.of("serve", "-V"))) {
            AndonProcess.Result r = AndonProcess.runIn(AndonProcess.HOME, List.of(), args.toArray(String[]::new));
            assertEquals(0, r.exitCode(), () -> args + ": " + r.stderr());
            assertEquals(expected, r.stdout().strip(), () -> args + " printed " + r.stdout());
        }
    }

    @Test
    void helpShouldBeACommandWithOrWithoutOne() throws Exception {
        AndonProcess.Result all = AndonProcess.run("help");
        assertEquals(0, all.exitCode(), all::stderr);
        assertTrue(all.stdout().contains("run") && all.stdout().contains("check") && all.stdout().contains("serve"),
                all::stdout);
        AndonProcess.Result run = AndonProcess.run("help", "run");
        assertEquals(0, run.exitCode(), run::stderr);
        assertTrue(run.stdout().contains("--json"), run::stdout);
        AndonProcess.Result unknown = AndonProcess.run("help", "frobnicate");
        assertEquals(2, unknown.exitCode(), unknown::stderr);
    }

    @Test
    void stderrShouldBeInTimeOrderWithTheAbandonedWarningBeforeTheRunsLastLine() throws Exception {
        AndonProcess.Result r = AndonProcess.run("run", "demo-abandoned", "--no-record");
        assertEquals(1, r.exitCode(), r::stderr);
        List<String> lines = r.stderr().lines().filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*")).toList();
        for (int i = 1; i < lines.size(); i++) {
            int at = i;
            assertTrue(lines.get(i - 1).substring(0, 12).compareTo(lines.get(i).substring(0, 12)) <= 0,
                    () -> "line " + at + " out of time order:\n" + r.stderr());
        }
        int warning = indexOf(lines, "ABANDONED: not stopped");
        int last = indexOf(lines, " FAILED in ");
        assertTrue(warning >= 0 && last == lines.size() - 1 && warning < last, r::stderr);
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(text)) return i;
        return -1;
    }

    private static String readVersion(String key) throws java.io.IOException {
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newInputStream(AndonProcess.BUILD.resolve("classes/dev/andon/cli/version.properties"))) {
            p.load(in);
        }
        return p.getProperty(key);
    }

    @Test
    void aSecondSigintShouldKillEveryProcessTheCallsStartedPrintWhatIsKnownAndExit130(@TempDir Path dir)
            throws Exception {
        // A program deaf to SIGTERM, and its child, which inherits that: only SIGKILL stops them,
        // and the kill grace (60 s) is far off when the second Ctrl-C comes.
        String marker = "3600." + (1000 + new java.util.Random().nextInt(9000));
        Files.writeString(dir.resolve("deaf.conf"), "andon.jobs.deaf { kill-grace = 60s, abort-grace = 90s, calls = [\n"
                + "  { name = deaf, kind = command, shell = \"trap '' TERM; sleep " + marker + "; echo done\" }\n"
                + "  { name = quick, kind = sleep, duration = 1ms }\n"
                + "  { name = later, kind = sleep, duration = 10ms }\n]\n  max-parallelism = 2\n}\n");
        try (AndonProcess p = AndonProcess.start(dir, java.util.Map.of(), List.of(), "run", "deaf", "--config",
                "deaf.conf", "--json")) {
            p.awaitStderrLines(java.time.Duration.ofSeconds(30), "deaf RUNNING", "quick SUCCEEDED");
            awaitProcesses(marker, true);
            p.signal("INT");
            p.awaitStderrLines(java.time.Duration.ofSeconds(30), "aborting the run");
            p.signal("INT");
            AndonProcess.Result r = p.await(java.time.Duration.ofSeconds(30));
            assertEquals(130, r.exitCode(), r::stderr);
            assertTrue(r.stderr().contains("SIGINT again: exiting without waiting for the calls; "
                    + "killed the processes of 1 command"), r::stderr);
            com.fasterxml.jackson.databind.JsonNode known = dev.andon.run.ReportJson.mapper().readTree(r.stdout());
            assertEquals("ABORTING", known.get("status").asText(), r::stdout);
            assertEquals("SIGINT", known.get("abortReason").asText(), r::stdout);
            java.util.Map<String, String> statuses = new java.util.TreeMap<>();
            for (var c : known.get("calls")) statuses.put(c.get("name").asText(), c.get("status").asText());
            assertEquals(java.util.Map.of("deaf", "ABORTING", "quick", "SUCCEEDED", "later", "SUCCEEDED"), statuses);
        }
        awaitProcesses(marker, false); // SIGKILL is asynchronous: the kernel may take a moment to reap
    }

    /** Waits (up to 10 s) until some process's command line has {@code marker}, or none has. */
    private static void awaitProcesses(String marker, boolean present) throws Exception {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        List<Long> found;
        do {
            found = ProcessHandle.allProcesses().filter(h -> h.info().commandLine().orElse("").contains(marker))
                    .filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
            if (found.isEmpty() != present) return;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError((present ? "no process with " : "left behind, with ") + marker + ": " + found);
    }

    @Test
    void theResultsTableShouldShowWhatAFailedCallSaidLastAndTheReportNoLiveFields(@TempDir Path dir) throws Exception {
        com.sun.net.httpserver.HttpServer web = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        web.createContext("/", x -> {
            byte[] page = ("<html>\n<head><title>404 Not Found</title></head>\n<body>\n<center><h1>404 Not Found</h1>"
                    + "</center>\n<hr><center>nginx/1.18.0</center>\n</body>\n</html>\n").getBytes();
            x.sendResponseHeaders(404, page.length);
            x.getResponseBody().write(page);
            x.close();
        });
        web.start();
        try {
            Files.writeString(dir.resolve("table.conf"), "andon.jobs.table { failure-policy = all-settled, calls = [\n"
                    + "  { name = web, kind = http, url = \"http://127.0.0.1:" + web.getAddress().getPort() + "/x\" }\n"
                    + "  { name = cmd, kind = command, shell = \"echo step 1; echo step 2; echo; echo 'step 3 failed: disk full'; exit 3\" }\n"
                    + "  { name = ok, kind = command, command = [\"true\"] }\n]}\n");
            AndonProcess.Result table = AndonProcess.runIn(dir, List.of(), "run", "table", "--config", "table.conf");
            assertEquals(1, table.exitCode(), table::stderr);
            assertTrue(table.stdout().matches("(?s).*\\nweb +FAILED .*HTTP 404 \\(expected [^)]*\\): 404 Not Found \\| nginx/1\\.18\\.0\\n.*"),
                    table::stdout);
            assertTrue(table.stdout().matches("(?s).*\\ncmd +FAILED .*exit 3: step 1 \\| step 2 \\| step 3 failed: disk full\\n.*"),
                    table::stdout);
            assertTrue(table.stdout().matches("(?s).*\\nok +SUCCEEDED .*exit 0\\n.*"), table::stdout);
            AndonProcess.Result json = AndonProcess.runIn(dir, List.of(), "run", "table", "--config", "table.conf", "--json");
            for (var c : dev.andon.run.ReportJson.mapper().readTree(json.stdout()).get("calls"))
                assertTrue(c.get("progress") == null, () -> "a final report with a live field: " + c);
        } finally {
            web.stop(0);
        }
    }

    @Test
    void systemPropertiesShouldOverrideNumbersAndHaveTheirTyposNamed() throws Exception {
        String cli = "src/test/resources/config/cli.conf";
        AndonProcess.Result ok = AndonProcess.runIn(AndonProcess.HOME,
                List.of("-Dandon.jobs.quick.max-parallelism=4", "-Dandon.jobs.quick.abort-grace=2s"), "check", "--config", cli);
        assertEquals(0, ok.exitCode(), ok::stderr);
        assertTrue(ok.stdout().matches("(?s).*\\nquick +2 +fail-fast +4\\b.*"), ok::stdout);
        AndonProcess.Result typo = AndonProcess.runIn(AndonProcess.HOME, List.of("-Dandon.http.prot=1",
                "-Dandon.jobs.quick.abort-grace=5"), "check", "--config", cli);
        assertEquals(2, typo.exitCode(), typo::stderr);
        assertTrue(typo.stderr().contains("system property: andon.http.prot: unknown key; did you mean \"port\"?\n"),
                typo::stderr);
        assertTrue(typo.stderr().contains("system property: andon.jobs.quick.abort-grace: a duration needs its unit: "
                + "write 5s or 5ms, not 5\n"), typo::stderr);
        AndonProcess.Result wide = AndonProcess.runIn(AndonProcess.HOME,
                List.of("-Dandon.jobs.quick.max-parallelism=1000000"), "check", "--config", cli);
        assertEquals(0, wide.exitCode(), wide::stderr);
        assertEquals("system property: andon.jobs.quick.max-parallelism: warning: 1000000 is above the pool-size of "
                + "andon.blocking-dispatcher (64): at most 64 calls run at once\n", wide.stderr());
    }

    @Test
    void dispatcherSettingsThatCannotWorkShouldBeOneLineAtCheckAndAtRun() throws Exception {
        for (String command : new String[] {"check", "run"}) {
            List<String> args = new java.util.ArrayList<>(List.of(command));
            if (command.equals("run")) args.add("demo");
            AndonProcess.Result r;
            try (AndonProcess p = AndonProcess.start(AndonProcess.HOME, java.util.Map.of(),
                    List.of("-Dandon.blocking-dispatcher.pool-size=0"), args.toArray(String[]::new))) {
                r = p.await(java.time.Duration.ofSeconds(30)); // it hung for good before
            }
            assertEquals(2, r.exitCode(), r::stderr);
            assertEquals("system property: andon.blocking-dispatcher.pool-size: must be at least 1, not 0\n"
                    + "andon: 1 problem in the configuration (conf/application.conf); nothing was run\n", r.stderr());
        }
    }
}
