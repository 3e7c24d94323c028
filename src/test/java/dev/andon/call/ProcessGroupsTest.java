package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's word that a tree's process group is empty spares the scan of {@code /proc}, and
 * only when the scan would have found no member either: an orphan left in the group, or a member
 * seen before it moved to a session of its own, still sends the tree to the scan.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessGroupsTest {
    private static final Path JDK_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        ProcessGroups.load();
    }

    @Test
    void shouldBindKillWhereverNativeAccessIsAllowed() {
        assumeTrue(ProcessTree.PROCESS_GROUPS, "needs /proc and setsid");
        boolean allowed = Runtime.version().feature() < 24 || ManagementFactory.getRuntimeMXBean().getInputArguments()
                .stream().anyMatch(a -> a.startsWith("--enable-native-access="));
        assertEquals(allowed, ProcessGroups.loaded(), "JNA bound on Java " + Runtime.version());
        assertFalse(ProcessGroups.knownEmpty(pgrp(ProcessHandle.current().pid())), "this JVM's own group");
        assertFalse(ProcessGroups.knownEmpty(1), "init's");
    }

    @Test
    void shouldTellATreeGoneWithoutAScanWhenItsGroupIsEmpty() throws Exception {
        assumeTrue(ProcessGroups.loaded(), "needs JNA");
        ProcessTree tree = ProcessTree.start(new ProcessBuilder(ProcessTree.wrap(List.of("sleep", "300"))));
        try {
            long group = tree.root().pid();
            while (pgrp(group) != group) Thread.sleep(5); // until setsid has made it a group leader
            assertFalse(ProcessGroups.knownEmpty(group), "a group with its leader running");
            tree.root().toHandle().destroyForcibly();
            tree.root().waitFor();
            assertTrue(ProcessGroups.knownEmpty(group), "the group of a reaped leader that had no other member");
            long scans = ProcessTree.Stat.scans();
            assertEquals(Set.of(), tree.members());
            assertTrue(tree.awaitGone(System.nanoTime()));
            assertEquals(scans, ProcessTree.Stat.scans(), "scans of /proc");
        } finally {
            tree.kill();
            tree.gone();
        }
    }

    @Test
    void shouldScanForAnOrphanLeftInTheGroup() throws Exception {
        assumeTrue(ProcessGroups.loaded(), "needs JNA");
        Path pids = tmp.resolve("pids");
        ProcessTree tree = shell("sleep 300 </dev/null >/dev/null 2>&1 & echo $! > " + pids + "; exit 0");
        try {
            assertEquals(0, tree.root().waitFor());
            long orphan = Processes.awaitPids(pids, 1).get(0);
            assertTrue(Processes.running(orphan));
            assertFalse(ProcessGroups.knownEmpty(tree.root().pid()), "the orphan is in the group");
            assertFoundByAScanThenStopped(tree, orphan);
            // Empty once init has reaped the orphan (its zombie is still in the group till then).
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!ProcessGroups.knownEmpty(tree.root().pid()) && System.nanoTime() < end) Thread.sleep(5);
            assertTrue(ProcessGroups.knownEmpty(tree.root().pid()), "the group after its orphan was reaped");
        } finally {
            tree.kill();
            tree.gone();
        }
    }

    @Test
    void shouldScanForAMemberSeenBeforeItLeftTheGroup() throws Exception {
        assumeTrue(ProcessGroups.loaded(), "needs JNA");
        Path pids = tmp.resolve("pids");
        ProcessTree tree = shell("setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $! > " + pids + "; exec sleep 300");
        try {
            long escaped = Processes.awaitPids(pids, 1).get(0);
            long group = tree.root().pid();
            // Seen while it descends from the root: in its own session by now, or soon.
            while (!tree.members().contains(escaped) || pgrp(escaped) != escaped) Thread.sleep(5);
            tree.root().toHandle().destroyForcibly(); // SIGKILL to the root alone: nothing else hears of it
            tree.root().waitFor();
            assertTrue(ProcessGroups.knownEmpty(group), "the escaped process is in a group of its own");
            assertFoundByAScanThenStopped(tree, escaped); // although re-parented to init
        } finally {
            tree.kill();
            tree.gone();
        }
    }

    @Test
    void shouldNotWarnOnJdk25WhetherOrNotNativeAccessIsEnabled() throws Exception {
        assumeTrue(ProcessTree.PROCESS_GROUPS, "needs /proc and setsid");
        assumeTrue(Files.isExecutable(JDK_25.resolve("bin/java")), "needs " + JDK_25);
        assertEquals("loaded=false", probe(List.of()), "without --enable-native-access");
        assertEquals("loaded=true", probe(List.of("--enable-native-access=ALL-UNNAMED")), "with it");
    }

    /** Runs {@link Probe} on JDK 25; checks that it wrote nothing to stderr and returns its stdout. */
    private String probe(List<String> options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(JDK_25.resolve("bin/java").toString()));
        command.addAll(options);
        command.addAll(List.of("-Dlogback.configurationFile=" + tmp.resolve("none.xml"),
                "-cp", System.getProperty("java.class.path"), Probe.class.getName()));
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the probe did not end");
        assertEquals(0, p.exitValue(), Files.readString(err));
        assertEquals("", Files.readString(err, StandardCharsets.UTF_8), "stderr of " + command);
        return Files.readString(out).strip();
    }

    private static ProcessTree shell(String script) throws IOException {
        return ProcessTree.start(new ProcessBuilder(ProcessTree.wrap(List.of("sh", "-c", script))));
    }

    /** The tree's one member is {@code pid}, found by a scan of /proc; stopping the tree ends it on SIGTERM. */
    private static void assertFoundByAScanThenStopped(ProcessTree tree, long pid) {
        long scans = ProcessTree.Stat.scans();
        assertEquals(Set.of(pid), tree.members());
        assertTrue(ProcessTree.Stat.scans() > scans, "found by a scan");
        assertFalse(tree.stop(Duration.ofSeconds(10)), "SIGKILL was needed");
        assertFalse(Processes.running(pid), pid + " still runs");
    }

    private static long pgrp(long pid) {
        ProcessTree.Stat s = ProcessTree.Stat.read(pid);
        return s == null ? -1 : s.pgrp();
    }

    /** Loads JNA as a command's first start does, and says whether it is bound. */
    static final class Probe {
        public static void main(String[] args) {
            ProcessGroups.load();
            System.out.println("loaded=" + ProcessGroups.loaded());
        }
    }
}
