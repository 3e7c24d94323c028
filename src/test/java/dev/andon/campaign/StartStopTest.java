package dev.andon.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.run.JobSpec;
import dev.andon.run.RunStatus;
import dev.andon.testutil.LogRecorder;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Starting and stopping Andon hundreds of times in one JVM leaks neither threads nor memory. */
class StartStopTest {
    private static final int CYCLES = Integer.getInteger("andon.startstop.cycles", 200);

    private static void cycle(int i) throws Exception {
        Andon andon = Andon.start(ConfigFactory.parseString("andon.shutdown.margin = 1s").withFallback(ConfigFactory.load()),
                "startstop-" + i);
        CountDownLatch running = new CountDownLatch(1);
        var done = andon.submit(JobSpec.builder("quick").call("a", ctx -> 1).build());
        assertEquals(RunStatus.SUCCEEDED, done.report().toCompletableFuture().get(10, TimeUnit.SECONDS).status());
        if (i % 2 == 0) { // every other cycle shuts down with a run in flight
            var live = andon.submit(JobSpec.builder("live").call("b", ctx -> {
                running.countDown();
                Thread.sleep(60_000);
                return 2;
            }).build());
            assertTrue(running.await(10, TimeUnit.SECONDS));
            andon.close();
            assertEquals(RunStatus.ABORTED, live.report().toCompletableFuture().get(10, TimeUnit.SECONDS).status());
        } else {
            andon.close();
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    private static Set<String> liveThreadNames() {
        Set<String> names = new TreeSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        return names;
    }

    @Test
    void shouldNotGrowThreadsOrHeapOverRepeatedStartAndStop() throws Exception {
        LogRecorder log = LogRecorder.attach();
        try {
            startAndStop();
            // Every other cycle aborts its one live run. A run that has reported but whose
            // supervisor is still stopping is not "aborted" again, nor said to be.
            List<String> aborting = log.containing("shutting down: aborting");
            assertEquals(5 + (CYCLES + 1) / 2, aborting.size(), aborting.toString());
            assertTrue(aborting.stream().allMatch(l -> l.endsWith("aborting 1 live run(s)")), aborting.toString());
            assertEquals(List.of(), log.warningsAndErrors());
        } finally {
            log.detach();
        }
    }

    private static void startAndStop() throws Exception {
        for (int i = 0; i < 10; i++) cycle(-1 - i); // warm up: classes, JIT, logging
        Thread.sleep(500);
        int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
        long heapBefore = usedHeapAfterGc();

        for (int i = 0; i < CYCLES; i++) cycle(i);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int threadsAfter;
        do {
            Thread.sleep(50);
            threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
        } while (threadsAfter > threadsBefore + 2 && System.nanoTime() < deadline);
        long heapAfter = usedHeapAfterGc();
        System.out.printf("start/stop x%d: threads %d -> %d, heap %d KiB -> %d KiB%n", CYCLES, threadsBefore,
                threadsAfter, heapBefore / 1024, heapAfter / 1024);
        assertTrue(threadsAfter <= threadsBefore + 2, "threads grew from " + threadsBefore + " to " + threadsAfter
                + ": " + liveThreadNames());
        // Generous: a leak of one actor system per cycle would be tens of MiB over 200 cycles.
        assertTrue(heapAfter - heapBefore < 16L * 1024 * 1024,
                "heap grew by " + (heapAfter - heapBefore) / 1024 + " KiB over " + CYCLES + " cycles");
    }
}
