package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a tree finds the children it signals: the kernel's children lists read whole, whatever
 * their length, and each pid checked against its parent before it gets a signal.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessTreeChildrenTest {
    private static final int CHILDREN = 300;

    @TempDir
    Path tmp;

    @Test
    void shouldReadEveryPidOfAListLongerThanAnyBufferWhateverItsDigits() throws Exception {
        List<Long> pids = new ArrayList<>();
        for (long p = 1; p <= 4_194_304L; p = p * 10 + 3) pids.add(p);
        for (int i = 0; pids.size() < 700; i++) pids.add(4_194_304L - i * 7L);
        Path list = tmp.resolve("children");
        Files.writeString(list, pids.stream().map(p -> p + " ").collect(Collectors.joining()), StandardCharsets.US_ASCII);
        assertTrue(Files.size(list) > 4096, "a list of " + Files.size(list) + " bytes");

        var file = new ProcessTree.ProcFile();
        assertTrue(file.read(list.toString()));
        assertEquals(Files.size(list), file.length());
        assertEquals(pids, ProcessTree.pids(file));

        assertFalse(file.read(tmp.resolve("gone").toString()));
        assertEquals(List.of(), ProcessTree.pids(file));
    }

    @Test
    void shouldListExactlyTheChildrenOfAShellWithThreeHundred() throws Exception {
        assumeTrue(ProcessTree.PROCESS_GROUPS, "needs /proc");
        Process shell = startShellWithChildren();
        try {
            Set<Long> expected = awaitChildren(shell);
            List<Long> listed = ProcessTree.children(shell.pid(), new ProcessTree.ProcFile());
            assertEquals(CHILDREN, listed.size(), "pids listed: " + listed);
            assertEquals(expected, new HashSet<>(listed));
        } finally {
            stopAll(shell);
        }
    }

    @Test
    void shouldSignalEveryOneOfThreeHundredChildrenAndNoOtherProcess() throws Exception {
        assumeTrue(ProcessTree.PROCESS_GROUPS, "needs /proc and setsid");
        Process bystander = new ProcessBuilder("sleep", "120").start();
        ProcessTree tree = ProcessTree.start(new ProcessBuilder(ProcessTree.wrap(shellArgv())));
        try {
            Set<Long> children = awaitChildren(tree.root());
            tree.terminate();
            assertTrue(tree.awaitGone(System.nanoTime() + Duration.ofSeconds(30).toNanos()),
                    "left: " + tree.members());
            for (long pid : children) assertFalse(Processes.running(pid), "child " + pid + " still runs");
            assertTrue(bystander.isAlive(), "a process outside the tree was signalled");
        } finally {
            stopAll(tree.root());
            bystander.destroyForcibly();
            bystander.waitFor();
        }
    }

    @Test
    void shouldTakeAPidForAChildOnlyIfItNamesTheParentAndStartedAfterIt() {
        var parent = new ProcessTree.Stat(100, 'S', 1, 100, 5000);
        assertTrue(new ProcessTree.Stat(101, 'S', 100, 100, 5000).isChildOf(parent));
        assertTrue(new ProcessTree.Stat(101, 'S', 100, 7, 9000).isChildOf(parent));
        assertFalse(new ProcessTree.Stat(101, 'S', 1, 100, 9000).isChildOf(parent));
        assertFalse(new ProcessTree.Stat(101, 'S', 100, 100, 4999).isChildOf(parent));
    }

    private static List<String> shellArgv() {
        return List.of("sh", "-c", "i=0; while [ $i -lt " + CHILDREN + " ]; do sleep 120 & i=$((i+1)); done; wait");
    }

    private static Process startShellWithChildren() throws Exception {
        return new ProcessBuilder(shellArgv()).start();
    }

    /** The shell's children once all of them run, as the JDK sees them. */
    private static Set<Long> awaitChildren(Process shell) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        Set<Long> kids = Set.of();
        while (System.nanoTime() < end) {
            kids = shell.toHandle().children().map(ProcessHandle::pid).collect(Collectors.toSet());
            if (kids.size() == CHILDREN) return kids;
            Thread.sleep(20);
        }
        throw new AssertionError("the shell started " + kids.size() + " of " + CHILDREN + " children");
    }

    private static void stopAll(Process shell) throws InterruptedException {
        shell.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        shell.destroyForcibly();
        shell.waitFor();
    }
}
