package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Trees stopped together share their scans of {@code /proc}: a scan about to begin waits for the
 * roots just signalled, so that one reading serves every tree whose root it saw go, rather than
 * one reading after another as the roots go one by one (each costs milliseconds on a busy host).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessTreeScanTest {
    private static final int TREES = 16;

    @Test
    void shouldStopSixteenTreesSignalledTogetherWithOneScanOrTwo() throws Exception {
        assumeTrue(ProcessTree.PROCESS_GROUPS, "needs /proc and setsid");
        // One scan for all sixteen, mostly; a loaded machine may hold a root up past the
        // gathering, or a sleep may still be exiting at the scan (a clean-clone CI run once saw 7).
        // On an idle machine: 1-3 scans with the gathering, 6-10 without it (GATHER_NANOS = 0);
        // without it, 4-6 at load 17-19. So: the best of up to three rounds.
        // Not the kernel's word on the groups (ProcessGroupsTest): that spares these scans altogether.
        boolean asking = ProcessGroups.asking(false);
        List<Long> rounds = new ArrayList<>();
        try {
            while (rounds.size() < 3 && (rounds.isEmpty() || rounds.stream().mapToLong(Long::longValue).min().getAsLong() > 3))
                rounds.add(stopSixteenTogether());
        } finally {
            ProcessGroups.asking(asking);
        }
        assertTrue(rounds.stream().mapToLong(Long::longValue).min().getAsLong() <= 3,
                "scans for " + TREES + " trees, each round: " + rounds);
    }

    /** Stops sixteen trees at once, checks each went on its SIGTERM, and returns how many scans that took. */
    private static long stopSixteenTogether() throws Exception {
        List<ProcessTree> trees = new ArrayList<>();
        for (int i = 1; i <= TREES; i++)
            trees.add(ProcessTree.start(new ProcessBuilder(ProcessTree.wrap(List.of("sleep", "300")))));
        ExecutorService pool = Executors.newFixedThreadPool(TREES);
        try {
            for (ProcessTree t : trees) // every root is running sleep (not still setsid)
                while (!t.members().contains(t.root().pid())) Thread.sleep(5);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> stopped = new ArrayList<>();
            long scansBefore = ProcessTree.Stat.scans();
            for (ProcessTree t : trees) stopped.add(pool.submit(() -> {
                go.await();
                return t.stop(Duration.ofSeconds(20));
            }));
            go.countDown();
            for (Future<Boolean> f : stopped) assertFalse(f.get(30, TimeUnit.SECONDS), "SIGKILL was needed");
            long scans = ProcessTree.Stat.scans() - scansBefore;
            for (ProcessTree t : trees) {
                assertFalse(t.root().isAlive());
                assertEquals(128 + 15, t.root().exitValue(), "SIGTERM");
                assertTrue(t.members().isEmpty(), t.members().toString());
                t.gone();
            }
            return scans;
        } finally {
            pool.shutdownNow();
            for (ProcessTree t : trees) {
                t.kill();
                t.gone();
            }
        }
    }
}
