package dev.andon.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.andon.Andon;
import dev.andon.testutil.LogRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The long campaign: {@code -Dandon.soak=N} runs N random scenarios (up to 200 calls each),
 * several at once on a shared Andon (shutdown scenarios on systems of their own), with every
 * invariant of {@link Campaign} checked on every run, and the logs checked over the whole soak.
 * Run it with {@code scripts/soak N}.
 */
class ReliabilitySoakTest {

    @Test
    @EnabledIfSystemProperty(named = "andon.soak", matches = "\\d+")
    void soak() throws Exception {
        int runs = Integer.getInteger("andon.soak");
        int parallel = Integer.getInteger("andon.soak.parallel", 6);
        LogRecorder log = LogRecorder.attach();
        Andon shared = Campaign.startAndon("soak-blocking");
        Campaign.Totals totals = new Campaign.Totals();
        Arbitrary<Scenario> scenarios = Scenarios.scenarios(200, true);
        AtomicInteger next = new AtomicInteger();
        // One sample stream, drawn from under a lock: jqwik's generators are not for concurrent use.
        var stream = scenarios.sampleStream().iterator();
        long t0 = System.nanoTime();
        ExecutorService drivers = Executors.newFixedThreadPool(parallel);
        List<Future<?>> futures = new ArrayList<>();
        for (int d = 0; d < parallel; d++) {
            futures.add(drivers.submit(() -> {
                while (next.getAndIncrement() < runs) {
                    Scenario s;
                    synchronized (stream) {
                        s = stream.next();
                    }
                    Campaign.runAndCheck(s, shared, false, totals);
                }
                return null;
            }));
        }
        try {
            for (Future<?> f : futures) f.get();
        } finally {
            drivers.shutdownNow();
            shared.close();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        System.out.println("soak: " + totals + " in " + seconds + " s; late completions logged: "
                + log.containing("finished late").size());
        List<String> children = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList();
        assertEquals(List.of(), children, "child processes survived the soak");
        assertEquals(List.of(), log.deadLetters(), "dead letters");
        assertEquals(List.of(), ReliabilityCampaignTest.unexpectedWarnings(log), "unexpected warnings or errors");
        log.detach();
    }
}
