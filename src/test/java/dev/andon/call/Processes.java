package dev.andon.call;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Test helpers to see processes as the kernel does. */
final class Processes {
    private Processes() {
    }

    /** Whether {@code pid} is a running process: not gone, and not a zombie. */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /** The pids of {@code running} processes among {@code pids}. */
    static List<Long> runningAmong(List<Long> pids) {
        return pids.stream().filter(Processes::running).collect(Collectors.toList());
    }

    /** Waits (up to 10 s) until {@code file} has at least {@code n} lines, and returns them as pids. */
    static List<Long> awaitPids(Path file, int n) throws InterruptedException, IOException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < end) {
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
                if (lines.size() >= n) return lines.stream().map(String::strip).map(Long::valueOf).toList();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no " + n + " pids in " + file);
    }
}
