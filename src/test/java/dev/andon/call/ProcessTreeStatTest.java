package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** How a tree reads {@code /proc/<pid>/stat}: by hand from the bytes, so it must read them right. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class ProcessTreeStatTest {
    @TempDir
    Path tmp;

    private static ProcessTree.Stat parse(String line) {
        byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
        byte[] buf = new byte[1024];
        System.arraycopy(bytes, 0, buf, 0, bytes.length);
        return ProcessTree.Stat.parse(42, buf, bytes.length);
    }

    @Test
    void shouldReadStatePpidGroupAndStartTimeCountingFromTheLastParenthesis() {
        // session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice
        // threads itrealvalue starttime vsize rss
        String fields = " 42 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 2170880 200\n";
        assertEquals(new ProcessTree.Stat(42, 'S', 17, 42, 987654), parse("42 (sleep) S 17 42" + fields));
        // comm may hold spaces and parentheses (up to 15 bytes of the program's name)
        assertEquals(new ProcessTree.Stat(42, 'Z', 1, 40, 987654), parse("42 (a) b (c) Z 1 40" + fields));
        assertEquals(new ProcessTree.Stat(42, 'R', 0, 0, 987654), parse("42 ( ) R 0 0" + fields));
    }

    @Test
    void shouldReadNothingFromATruncatedOrEmptyLine() {
        assertNull(parse(""));
        assertNull(parse("42 (sleep"));
        assertNull(parse("42 (sleep) S 17 42 7 8 0"));
    }

    @Test
    void shouldReadARealProcessWithAnOddNameAsTheKernelShowsIt() throws Exception {
        assumeTrue(ProcessTree.PROCESS_GROUPS, "needs /proc");
        Path odd = tmp.resolve("x) y (z");
        Files.createSymbolicLink(odd, Path.of("/bin/sleep"));
        Process p = new ProcessBuilder(odd.toString(), "30").start();
        try {
            long self = ProcessHandle.current().pid();
            ProcessTree.Stat me = ProcessTree.Stat.read(self);
            ProcessTree.Stat child = ProcessTree.Stat.read(p.pid());
            assertNotNull(me);
            assertNotNull(child, "stat of " + Files.readString(Path.of("/proc/" + p.pid() + "/stat")));
            assertEquals(p.pid(), child.pid());
            assertEquals(self, child.ppid());
            assertEquals(me.pgrp(), child.pgrp()); // no setsid here: the JVM's group
            assertTrue(child.startTime() >= me.startTime(), child + " started before " + me);
            Map<Long, ProcessTree.Stat> all = ProcessTree.Stat.all();
            // Not the state: a process just started may be read running, then sleeping.
            ProcessTree.Stat again = all.get(p.pid());
            assertNotNull(again);
            assertEquals(List.of(child.pid(), child.ppid(), child.pgrp(), child.startTime()),
                    List.of(again.pid(), again.ppid(), again.pgrp(), again.startTime()));
            assertEquals(me.ppid(), all.get(self).ppid());
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        assertNull(ProcessTree.Stat.read(p.pid()), "a reaped process has no stat");
    }
}
