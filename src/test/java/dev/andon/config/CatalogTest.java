package dev.andon.config;

import static dev.andon.config.ConfigFixtures.DIR;
import static dev.andon.config.ConfigFixtures.catalogOf;
import static dev.andon.config.ConfigFixtures.context;
import static dev.andon.config.ConfigFixtures.parse;
import static dev.andon.config.ConfigFixtures.problemsOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.call.SleepCall;
import dev.andon.run.CallSpec;
import dev.andon.run.FailurePolicy;
import dev.andon.run.JobSpec;
import dev.andon.run.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CatalogTest {

    @Test
    void shouldBuildTheDemoJobOfTheShippedCatalog() {
        Catalog catalog = catalogOf("conf/application.conf");
        assertTrue(catalog.names().contains("demo"));
        JobSpec demo = catalog.entry("demo").orElseThrow().spec();
        assertEquals("demo", demo.name());
        assertEquals(List.of("c0", "c1", "c2", "c3", "c4"), demo.calls().stream().map(CallSpec::name).toList());
        assertEquals(FailurePolicy.FAIL_FAST, demo.failurePolicy());
        Config defaults = ConfigFactory.defaultReference().getConfig(Catalog.DEFAULTS_PATH);
        assertEquals(defaults.getInt("max-parallelism"), demo.maxParallelism());
        assertEquals(defaults.getDuration("abort-grace"), demo.abortGrace());
        assertNull(demo.deadline());
        assertEquals(JobSpec.DEFAULT_DISPATCHER, demo.dispatcher());
        for (int i = 0; i < 5; i++) {
            CallSpec c = demo.calls().get(i);
            assertEquals("sleep", c.kind());
            assertTrue(c.call() instanceof SleepCall);
            assertEquals("sleep PT" + i + "S" + (i == 2 ? " then fail" : ""), c.call().toString());
            assertNull(c.timeout());
            assertEquals(RetryPolicy.NONE.attempts(), c.retry().attempts());
            assertTrue(c.interruptOnAbort());
        }
    }

    @Test
    void shouldBuildEveryShippedJob() {
        Catalog catalog = catalogOf("conf/application.conf");
        assertEquals(Set.of("demo", "demo-all-settled", "demo-abandoned", "demo-limits", "countdown"), catalog.names());
        assertEquals(FailurePolicy.ALL_SETTLED, catalog.entry("demo-all-settled").orElseThrow().spec().failurePolicy());
        JobSpec limits = catalog.entry("demo-limits").orElseThrow().spec();
        assertEquals(2, limits.maxParallelism());
        assertEquals(Duration.ofSeconds(10), limits.deadline());
        assertEquals(Duration.ofSeconds(1), limits.calls().get(1).timeout());
    }

    @Test
    void shouldReportEveryProblemOfAFileAtOnceWithFileLineAndPath() {
        String f = DIR + "many-problems.conf:";
        String typo = "andon.jobs.typo.";
        assertEquals(sorted(
                f + "4: " + typo + "max-parallelism: must be at least 1, not 0",
                f + "5: " + typo + "failure-policy: must be fail-fast or all-settled, not \"fast\"",
                f + "6: " + typo + "dedline: unknown key; did you mean \"deadline\"?",
                f + "8: " + typo + "calls[0].duration: not a duration: \"2 sekunden\" (write e.g. 500ms, 2s, 1m)",
                f + "9: " + typo + "calls[1].name: duplicate call name \"a\" (also at andon.jobs.typo.calls[0])",
                f + "10: " + typo + "calls[2].kind: unknown kind \"slep\"; kinds: class, command, http, jdbc, sleep",
                f + "11: " + typo + "calls[3].colour: unknown key; known keys: duration, fail, heartbeat-timeout, ignore-abort, "
                        + "interrupt-on-abort, kill-grace, kind, name, retry, timeout",
                f + "12: " + typo + "calls[4].name: missing (required)",
                f + "12: " + typo + "calls[4].duration: must be at least 0, not \"-1s\"",
                f + "13: " + typo + "calls[5].retry.backof: unknown key; did you mean \"backoff\"?",
                f + "13: " + typo + "calls[5].retry.attempts: must be at least 1, not 0",
                f + "14: " + typo + "calls[6].timeout: must be more than 0, not \"0s\"",
                f + "14: " + typo + "calls[6].interrupt-on-abort: must be a boolean (on or off), not string \"maybe\"",
                f + "15: " + typo + "calls[7]: must be an object { ... }, not string \"not an object\"",
                f + "18: andon.jobs.no-calls.calls: missing (required)",
                f + "19: andon.jobs.empty.calls: must not be empty: a job needs at least one call",
                f + "20: andon.jobs.not-a-list.calls: must be a list of objects [ { ... }, ... ], not number 5",
                f + "22: andon.htpp: unknown key; did you mean \"http\"?",
                f + "23: andon.http.prot: unknown key; did you mean \"port\"?"), // a swap is one edit
                problemsOf(DIR + "many-problems.conf"));
    }

    @Test
    void shouldReportClassKindProblems() {
        String f = DIR + "class-kind.conf:";
        String calls = "andon.jobs.classes.calls";
        assertEquals(sorted(
                f + "4: " + calls + "[1].class: class not found on the classpath: com.example.NoSuchCall",
                f + "5: " + calls + "[2].class: java.lang.String does not implement dev.andon.call.BlockingCall",
                f + "6: " + calls + "[3].class: dev.andon.call.SleepCall has no public no-argument constructor",
                f + "7: " + calls + "[4].class: dev.andon.call.BlockingCall must be a public concrete class",
                f + "8: " + calls + "[5].class: missing (required)",
                f + "9: " + calls + "[6].config: must be an object { ... }, not number 3"),
                problemsOf(DIR + "class-kind.conf"));
    }

    @Test
    void shouldCheckDispatchersAndJobDefaults() {
        String f = DIR + "dispatchers.conf:";
        assertEquals(sorted(
                f + "4: andon.not-a-dispatcher: unknown key; known keys: "
                        + referenceKeys("andon", "home", "reports-dispatcher"),
                f + "5: andon.job-defaults.abort-grace: not a duration: \"soon\" (write e.g. 500ms, 2s, 1m)",
                f + "8: andon.jobs.nowhere.dispatcher: no dispatcher configured at \"no.such.dispatcher\"",
                f + "9: andon.jobs.wrong.dispatcher: \"andon.not-a-dispatcher\" is not a dispatcher "
                        + "(it has no type, e.g. type = Dispatcher)"),
                problemsOf(DIR + "dispatchers.conf"));
    }

    @Test
    void shouldLayerCallSettingsOverJobOverDefaults() {
        Config config = parse("""
                andon.job-defaults.kill-grace = 7s
                andon.jobs.layered {
                  timeout = 30s
                  interrupt-on-abort = off
                  retry { attempts = 3, on = [ "IOException" ] }
                  deadline = 1m
                  calls = [
                    { name = inherits, kind = sleep, duration = 1s }
                    { name = overrides, kind = sleep, duration = 1s, timeout = off, interrupt-on-abort = on,
                      retry.backoff = 2s }
                  ]
                }
                """);
        Problems problems = new Problems();
        JobSpec job = Catalog.load(config, context(config), problems).entry("layered").orElseThrow().spec();
        assertTrue(problems.isEmpty(), () -> problems.list().toString());
        assertEquals(Duration.ofMinutes(1), job.deadline());
        CallSpec inherits = job.calls().get(0);
        assertEquals(Duration.ofSeconds(30), inherits.timeout());
        assertFalse(inherits.interruptOnAbort());
        assertEquals(new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(10), List.of("IOException")),
                inherits.retry());
        CallSpec overrides = job.calls().get(1);
        assertNull(overrides.timeout());
        assertTrue(overrides.interruptOnAbort());
        assertEquals(new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(10), List.of("IOException")),
                overrides.retry());
    }

    @Test
    void shouldGiveAClassCallItsConfigBlock() {
        JobSpec job = catalogOf("conf/application.conf").entry("countdown").orElseThrow().spec();
        assertEquals("class", job.calls().get(0).kind());
        assertEquals(3, job.calls().get(0).config().getInt("from"));
        assertEquals("class dev.andon.call.examples.Countdown", job.calls().get(0).call().toString());
    }

    @Test
    void shouldValidateAJobGivenOnItsOwnWithShortPathsAndAllowedKinds() {
        Config config = parse("");
        Config body = ConfigFactory.parseString("""
                {"calls": [
                  {"name": "ok", "kind": "sleep", "duration": "1s"},
                  {"name": "sh", "kind": "command", "command": ["true"]},
                  {"name": "bad", "kind": "sleep", "duration": "soon"}
                ], "max-parallelism": 0}
                """);
        Problems problems = new Problems();
        JobSpec job = Catalog.parseJob("inline", body, "", problems, context(config), Set.of("sleep", "http", "class"));
        assertNull(job);
        assertEquals(sorted(
                        "calls[1].kind: kind not allowed here: \"command\"; kinds: class, http, sleep",
                        "calls[2].duration: not a duration: \"soon\" (write e.g. 500ms, 2s, 1m)",
                        "max-parallelism: must be at least 1, not 0"),
                problems.list().stream().map(p -> p.path() + ": " + p.message()).sorted().toList());
    }

    @Test
    void shouldBuildAValidJobGivenOnItsOwn() {
        Config config = parse("andon.job-defaults.abort-grace = 2s");
        Config body = ConfigFactory.parseString("{\"calls\": [{\"name\": \"a\", \"kind\": \"sleep\", \"duration\": \"10ms\"}]}");
        Problems problems = new Problems();
        JobSpec job = Catalog.parseJob("inline", body, "", problems, context(config), Set.of("sleep"));
        assertTrue(problems.isEmpty(), () -> problems.list().toString());
        assertNotNull(job);
        assertEquals(Duration.ofSeconds(2), job.abortGrace());
    }

    @Test
    void shouldRefuseJobNamesThatCannotBeTypedOrPutInAUrl() {
        Config config = parse("andon.jobs.\"my job\".calls = [ { name = a, kind = sleep, duration = 1s } ]");
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(config, context(config), problems);
        assertTrue(catalog.names().isEmpty());
        assertEquals(List.of("andon.jobs.\"my job\": a job name is letters, digits, -, _ and . only, at most 128 "
                + "characters, starting with a letter or digit"), problems.list().stream().map(p -> p.path() + ": " + p.message()).toList());
    }

    /** The keys reference.conf has at {@code path}, with {@code more}, as the problem lists them. */
    private static String referenceKeys(String path, String... more) {
        Set<String> keys = new TreeSet<>(ConfigFactory.defaultReference().getObject(path).keySet());
        keys.addAll(List.of(more));
        return String.join(", ", keys);
    }

    private static List<String> sorted(String... lines) {
        return List.of(lines).stream().sorted().toList();
    }
}
