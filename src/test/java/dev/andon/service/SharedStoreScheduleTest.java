package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import dev.andon.run.Trigger;
import dev.andon.store.RunStore;
import dev.andon.store.RunStores;
import dev.andon.store.StoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Two services on one SQLite store, firing the same schedule on the real clock: each fire's
 * (job, fire time) is taken once, by whichever submits it first; the other's submission is
 * refused by the store's constraint and starts nothing (the store counts each fire once).
 */
class SharedStoreScheduleTest {
    private static final String JOBS = """
            andon.jobs.shared { schedule { every = 1s }, calls = [ { name = a, kind = sleep, duration = 10ms } ] }
            """;

    @org.junit.jupiter.api.extension.RegisterExtension
    static final dev.andon.testutil.LogRecorder LOG = dev.andon.testutil.LogRecorder.forTestClass();

    @Test
    void shouldRunEachFireOnceWhenTwoServicesShareAStore() throws Exception {
        Path dir = Files.createTempDirectory("andon-shared-store");
        StoreSettings settings = StoreSettings.from(ConfigFactory.parseMap(Map.of("andon.store.path",
                dir.resolve("andon.db").toString())).withFallback(ConfigFactory.defaultReference()));
        RunStore storeA = RunStores.open(settings);
        RunStore storeB = RunStores.open(settings);
        String lastA;
        String lastB;
        try (TestService a = TestService.start(JOBS, storeA); TestService b = TestService.start(JOBS, storeB)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            // Until five fires ran, and the loser of at least one was refused by the store.
            while ((scheduledRuns(storeA).size() < 5 || LOG.containing("was recorded before; not again").isEmpty())
                    && System.nanoTime() < deadline) TestService.sleep(100);
            assertTrue(!LOG.containing("was recorded before; not again").isEmpty(), "no fire was refused");
            // Both paused, then counted once nothing moves any more (a launch may be in flight at the pause).
            assertEquals(200, a.post("/schedules/shared/pause", "").statusCode());
            assertEquals(200, b.post("/schedules/shared/pause", "").statusCode());
            List<String> last = List.of();
            while (true) {
                List<String> now = List.of(lastRun(a), lastRun(b), Integer.toString(scheduledRuns(storeA).size()));
                if (now.equals(last) || System.nanoTime() > deadline) break;
                last = now;
                TestService.sleep(500);
            }
            lastA = last.get(0);
            lastB = last.get(1);
        }
        try (RunStore store = RunStores.open(settings)) {
            Map<Instant, List<String>> byFire = new TreeMap<>();
            for (RunStore.RunSummary r : scheduledRuns(store))
                byFire.computeIfAbsent(r.trigger().fireTime(), k -> new java.util.ArrayList<>()).add(r.id());
            assertTrue(byFire.size() >= 5, byFire.toString());
            byFire.forEach((at, ids) -> assertEquals(1, ids.size(), at + " ran " + ids));
            // The store counted each fire once, whoever fired it; each service's last run is one of them.
            assertEquals(byFire.size(), store.schedules().get("shared").fired());
            List<String> ids = byFire.values().stream().flatMap(List::stream).toList();
            // A service that lost every fire to the other has run none (a clean-clone CI run saw that).
            assertFalse(lastA.isEmpty() && lastB.isEmpty(), "neither service ran a fire");
            for (String l : List.of(lastA, lastB))
                assertTrue(l.isEmpty() || ids.contains(l), lastA + ", " + lastB + " not in " + ids);
        }
    }

    private static List<RunStore.RunSummary> scheduledRuns(RunStore store) {
        return store.runs(new RunStore.RunQuery("shared", null, 1000, null)).stream()
                .filter(r -> r.trigger().kind() == Trigger.Kind.SCHEDULE).toList();
    }

    private static String lastRun(TestService s) {
        return TestService.json(s.get("/schedules")).get("schedules").get(0).path("lastRunId").asText();
    }
}
