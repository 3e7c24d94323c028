package dev.andon.config;

import static dev.andon.config.ConfigFixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Values as users write them: numbers given as strings (every system property is one), durations
 * without a unit, a max-parallelism the pool cannot honour.
 */
class ValuesAsUsersWriteThemTest {

    private static Problems problemsOf(Config config) {
        Problems problems = new Problems();
        Catalog.load(config, new KindContext(config, java.net.http.HttpClient::newHttpClient), problems);
        return problems;
    }

    private static List<String> lines(List<Problems.Problem> problems) {
        return problems.stream().map(p -> p.path() + ": " + p.message()).sorted().toList();
    }

    @Test
    void numbersGivenAsStringsShouldReadAsConfigGetIntReadsThem() {
        // as -Dandon.jobs.j.max-parallelism=4 -Dandon.jobs.j.retry.attempts=3 give them
        Config config = ConfigFactory.parseMap(Map.of("andon.jobs.j.max-parallelism", "4",
                        "andon.jobs.j.retry.attempts", " 3 ", "andon.jobs.j.interrupt-on-abort", "false",
                        "andon.jobs.j.abort-grace", "7s"), "system properties")
                .withFallback(parse("andon.jobs.j.calls = [ { name = a, kind = sleep, duration = 1s } ]"));
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(config, new KindContext(config, java.net.http.HttpClient::newHttpClient), problems);
        assertTrue(problems.isEmpty(), () -> problems.list().toString());
        var spec = catalog.entry("j").orElseThrow().spec();
        assertEquals(4, spec.maxParallelism());
        assertEquals(3, spec.calls().get(0).retry().attempts());
        assertEquals(java.time.Duration.ofSeconds(7), spec.abortGrace());
        assertEquals(List.of("andon.jobs.j.max-parallelism: must be an integer, not string \"four\""),
                lines(problemsOf(parse("andon.jobs.j { max-parallelism = four, calls = [ { name = a, kind = sleep, duration = 1s } ] }")).list()));
    }

    @Test
    void aDurationUnderAndonJobsShouldCarryItsUnit() {
        Problems problems = problemsOf(parse("""
                andon.job-defaults.kill-grace = 3
                andon.jobs.j {
                  abort-grace = 5
                  timeout = "2.5"
                  retry { backoff = 100 }
                  calls = [ { name = a, kind = sleep, duration = 0 }, { name = b, kind = sleep, duration = 5s, kill-grace = 0 } ]
                }
                """));
        assertEquals(List.of(
                "andon.job-defaults.kill-grace: a duration needs its unit: write 3s or 3ms, not 3",
                "andon.jobs.j.abort-grace: a duration needs its unit: write 5s or 5ms, not 5",
                "andon.jobs.j.retry.backoff: a duration needs its unit: write 100s or 100ms, not 100",
                "andon.jobs.j.timeout: a duration needs its unit: write 2.5s or 2.5ms, not 2.5"), lines(problems.list()));
    }

    @Test
    void aMaxParallelismAboveThePoolShouldBeOneWarningNotAProblem() {
        Problems problems = problemsOf(parse("""
                andon.jobs.big { max-parallelism = 1000000, calls = [ { name = a, kind = sleep, duration = 1s } ] }
                andon.jobs.fits { max-parallelism = 64, calls = [ { name = a, kind = sleep, duration = 1s } ] }
                andon.jobs.own-pool { max-parallelism = 10, dispatcher = andon.small-pool, calls = [ { name = a, kind = sleep, duration = 1s } ] }
                andon.small-pool = ${andon.blocking-dispatcher} { pool-size = 4 }
                """));
        assertTrue(problems.isEmpty(), () -> problems.list().toString());
        assertEquals(List.of(
                "andon.jobs.big.max-parallelism: 1000000 is above the pool-size of andon.blocking-dispatcher (64): at most 64 calls run at once",
                "andon.jobs.own-pool.max-parallelism: 10 is above the pool-size of andon.small-pool (4): at most 4 calls run at once"),
                lines(problems.warnings()));
        // from the defaults: once, where the default is set, not once per job
        Problems fromDefaults = problemsOf(parse("""
                andon.job-defaults.max-parallelism = 100
                andon.jobs.a.calls = [ { name = a, kind = sleep, duration = 1s } ]
                andon.jobs.b.calls = [ { name = a, kind = sleep, duration = 1s } ]
                """));
        assertEquals(List.of("andon.job-defaults.max-parallelism: 100 is above the pool-size of andon.blocking-dispatcher (64): "
                + "at most 64 calls run at once (for every job that does not set its own)"), lines(fromDefaults.warnings()));
    }

    @Test
    void aSwapOfTwoLettersShouldBeOneEdit() {
        assertEquals(1, ConfigBlock.distance("prot", "port"));
        assertEquals("port", ConfigBlock.nearest("prot", List.of("host", "port", "auth-token")));
        assertEquals(3, ConfigBlock.distance("kitten", "sitting"));
    }
}
