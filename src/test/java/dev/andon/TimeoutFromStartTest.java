package dev.andon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A call's timeout runs from the call's own start, the instant its report gives, not from when it was queued. */
class TimeoutFromStartTest {

    @Test
    void aTimedOutCallShouldHaveRunAtLeastItsTimeoutFromTheStartItReports() throws Exception {
        Config config = ConfigFactory.parseString("""
                one-pool = ${andon.blocking-dispatcher} { pool-size = 1 }
                andon.jobs.busy { dispatcher = one-pool, calls = [ { name = first, kind = sleep, duration = 700ms } ] }
                andon.jobs.t { dispatcher = one-pool, calls = [ { name = limited, kind = sleep, duration = 20s, timeout = 1s } ] }
                """).withFallback(ConfigFactory.defaultReference()).resolve();
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(config, new KindContext(config, java.net.http.HttpClient::newHttpClient), problems);
        assertTrue(problems.isEmpty(), () -> problems.list().toString());
        try (Andon andon = Andon.start(config, "timeout-from-start")) {
            // another run holds the pool's one thread: this run's call waits in the pool's queue
            RunHandle busy = andon.submit(catalog.entry("busy").orElseThrow().spec());
            // ... once it holds it: two runs submitted together may reach the pool in either order
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!andon.snapshot(busy.id()).toCompletableFuture().get(20, TimeUnit.SECONDS)
                    .map(r -> r.call("first").status() == CallStatus.RUNNING).orElse(false)) {
                assertTrue(System.nanoTime() < until, "the busy run never started its call");
                Thread.sleep(5);
            }
            RunReport report = andon.submit(catalog.entry("t").orElseThrow().spec()).report().toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            CallReport first = busy.report().toCompletableFuture().get(60, TimeUnit.SECONDS).call("first");
            CallReport limited = report.call("limited");
            assertEquals(CallStatus.TIMED_OUT, limited.status(), limited::toString);
            assertTrue(!limited.startedAt().isBefore(first.finishedAt().minusMillis(50)), () -> first + "\n" + limited);
            // from the start it reports, it ran its whole second
            assertTrue(limited.durationMillis() >= 1000, () -> "TIMED_OUT after " + limited.durationMillis() + " ms of a 1s timeout");
        }
    }
}
