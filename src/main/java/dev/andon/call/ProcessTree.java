package dev.andon.call;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The processes a command started: its root process and everything descended from it, so that
 * all of them can be signalled and awaited together.
 *
 * <h2>Who belongs to the tree</h2>
 * On Linux the root is started through {@code setsid}, so it leads a new session and process
 * group whose id is the root's pid. A member is then any live process that is in that group, or
 * descends (by parent pid) from the root or from any process ever seen as a member. The group
 * catches children re-parented to init when their parent died ({@code sh -c "sleep 100 &"}); the
 * parentage catches children that moved to a group of their own. A process that both left the
 * group and was orphaned before it was ever seen (a double-forking daemon) escapes; only a cgroup
 * could hold it. Elsewhere (no {@code /proc}, no {@code setsid}) the tree is the root and its
 * descendants as {@link ProcessHandle#descendants()} sees them.
 *
 * <p>A zombie (exited, not yet reaped) counts as gone: it runs nothing and holds nothing open.
 *
 * <h2>Threading</h2>
 * Thread-safe: an abort hook may {@link #terminate()} while the call's thread waits in
 * {@link #awaitGone}. Signals go through {@link ProcessHandle#destroy()} ({@code SIGTERM}) and
 * {@link ProcessHandle#destroyForcibly()} ({@code SIGKILL}), after checking that the pid still
 * names the process that was seen (same start time), so a recycled pid is never signalled.
 */
final class ProcessTree {
    private static final Path PROC = Path.of("/proc");
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    /** Whether trees are tracked by process group and {@code /proc} (Linux) or by descendants only. */
    static final boolean PROCESS_GROUPS = Files.isExecutable(SETSID) && Files.isDirectory(PROC.resolve("self"));
    /** Whether the kernel lists each task's children ({@code CONFIG_PROC_CHILDREN}). */
    private static final boolean CHILDREN_LISTS = PROCESS_GROUPS && Files.isReadable(
            PROC.resolve("self").resolve("task").resolve(Long.toString(ProcessHandle.current().pid())).resolve("children"));

    private final Process root;
    // Every member ever seen, by pid, with its start time (clock ticks since boot) against pid reuse.
    private final Map<Long, Long> seen = new ConcurrentHashMap<>();
    // Pids already sent SIGTERM.
    private final Set<Long> termed = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicBoolean terminated = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile long firstSignalNanos;

    private ProcessTree(Process root) {
        this.root = root;
    }

    /**
     * The argv that starts {@code command} as the root of a new tree: prefixed with
     * {@code setsid -w} where process groups are used. ({@code -w}: should setsid ever need to
     * fork, it waits for the command and passes its exit status on.)
     */
    static List<String> wrap(List<String> command) {
        if (!PROCESS_GROUPS) return command;
        var argv = new ArrayList<String>(command.size() + 2);
        argv.add(SETSID.toString());
        argv.add("-w");
        argv.addAll(command);
        return argv;
    }

    /** Starts {@code builder} (whose command came from {@link #wrap}) as a tree. */
    static ProcessTree start(ProcessBuilder builder) throws IOException {
        return new ProcessTree(builder.start());
    }

    Process root() {
        return root;
    }

    /** Whether a signal was ever sent to this tree. */
    boolean signalled() {
        return firstSignalNanos != 0;
    }

    /**
     * Sends {@code SIGTERM} to the root and its descendants, found through the kernel's
     * {@code /proc/<pid>/task/<tid>/children} lists rather than a scan of all of {@code /proc}
     * (a read of each process's {@code stat}, slow for processes that are exiting): this runs in an
     * abort hook, on the path from a failure to every sibling's ack. Members this walk cannot see
     * (orphans re-parented to init, still in the tree's process group) get theirs from
     * {@link #awaitGone}'s scan. Idempotent and cheap; never blocks for long.
     */
    void terminate() {
        // Once: the abort hook and the call's own thread may both get here, and a program that
        // traps TERM must not run its trap twice. Members born after it get SIGTERM from
        // awaitGone's scan, or SIGKILL after the grace.
        markSignalled(); // first, so that a caller that finds this under way sees when it began
        if (!terminated.compareAndSet(false, true)) return;
        if (!CHILDREN_LISTS) {
            signal(false);
            return;
        }
        if (root.isAlive()) root.toHandle().destroy();
        termed.add(root.pid());
        var queue = new ArrayDeque<Long>(children(root.pid()));
        Set<Long> visited = new HashSet<>();
        while (!queue.isEmpty()) {
            long pid = queue.poll();
            if (!visited.add(pid) || pid == ProcessHandle.current().pid()) continue;
            Stat st = Stat.read(pid);
            if (st == null) continue;
            seen.put(pid, st.startTime);
            termed.add(pid);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
            queue.addAll(children(pid));
        }
    }

    /** The children of every thread of {@code pid}, as the kernel lists them (empty if gone). */
    private static List<Long> children(long pid) {
        List<Long> kids = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(Long.toString(pid)).resolve("task"))) {
            for (Path task : tasks) {
                String text = Files.readString(task.resolve("children"), StandardCharsets.ISO_8859_1).trim();
                if (text.isEmpty()) continue;
                for (String k : text.split(" ")) kids.add(Long.parseLong(k));
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile: no children to signal
        }
        return kids;
    }

    /** Sends {@code SIGKILL} to every live member. */
    void kill() {
        signal(true);
    }

    /** The live members' pids, root first when alive. */
    Set<Long> members() {
        return scan().keySet();
    }

    /**
     * Stops the whole tree: {@code SIGTERM} now (unless sent already), {@code SIGKILL} to whatever
     * is left {@code killGrace} after the first signal, then waits until every member is gone.
     * Ignores interrupts while it waits (a tree must not outlive its call) and restores the
     * thread's interrupt status before it returns.
     *
     * @return whether {@code SIGKILL} was needed
     */
    boolean stop(Duration killGrace) {
        terminate(); // a no-op when the abort hook got there first
        long killAt = firstSignalNanos + killGrace.toNanos();
        if (awaitGone(killAt)) return false;
        kill();
        // SIGKILL cannot be ignored; a member in uninterruptible sleep or a newly forked child
        // may take another round. If the tree never goes, the worker reports the call ABANDONED.
        while (!awaitGone(System.nanoTime() + Duration.ofMillis(200).toNanos())) kill();
        return true;
    }

    /**
     * Polls until the tree has no live member or {@code deadlineNanos} passes. Uninterruptible: an
     * interrupt is remembered and the thread's interrupt status restored before returning.
     */
    boolean awaitGone(long deadlineNanos) {
        boolean interrupted = false;
        try {
            // Most trees die with their root: wait for its exit (no polling), then look once.
            while (root.isAlive()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) break;
                try {
                    root.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            long pauseMillis = 1;
            for (Map<Long, Long> live; !(live = scan()).isEmpty(); ) {
                if (signalled()) termLateFound(live);
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) return false;
                try {
                    Thread.sleep(Math.max(1, Math.min(pauseMillis, left / 1_000_000)));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
                pauseMillis = Math.min(pauseMillis * 2, 20);
            }
            return true;
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    private void markSignalled() {
        if (firstSignalNanos == 0) {
            synchronized (this) {
                if (firstSignalNanos == 0) firstSignalNanos = System.nanoTime();
            }
        }
    }

    private void signal(boolean force) {
        markSignalled();
        // The root first, without a scan of /proc: the JVM has not reaped it, so its pid is its own.
        // (Through its handle: Process.destroy() would also close the pipes we drain.)
        if (root.isAlive()) {
            if (force) root.toHandle().destroyForcibly();
            else root.toHandle().destroy();
        }
        Map<Long, Long> members = scan();
        members.remove(root.pid());
        for (var m : members.entrySet()) {
            Optional<ProcessHandle> h = ProcessHandle.of(m.getKey());
            if (h.isEmpty() || !sameProcess(m.getKey(), m.getValue())) continue;
            if (force) h.get().destroyForcibly();
            else h.get().destroy();
            termed.add(m.getKey());
        }
    }

    /** SIGTERM for members a scan found that no signal has reached yet (orphans in the group). */
    private void termLateFound(Map<Long, Long> live) {
        for (var m : live.entrySet()) {
            if (!termed.add(m.getKey())) continue;
            if (sameProcess(m.getKey(), m.getValue())) ProcessHandle.of(m.getKey()).ifPresent(ProcessHandle::destroy);
        }
    }

    private static boolean sameProcess(long pid, long startTime) {
        if (!PROCESS_GROUPS) return true;
        Stat s = Stat.read(pid);
        return s != null && s.startTime == startTime;
    }

    /** The live members now, pid to start time. */
    private Map<Long, Long> scan() {
        Map<Long, Long> live = new HashMap<>();
        if (!PROCESS_GROUPS) {
            if (root.isAlive()) live.put(root.pid(), 0L);
            root.descendants().filter(ProcessHandle::isAlive).forEach(h -> live.put(h.pid(), 0L));
            return live;
        }
        Map<Long, Stat> all = Stat.allSince(System.nanoTime());
        Map<Long, List<Long>> children = new HashMap<>();
        var queue = new ArrayDeque<Long>();
        long group = root.pid();
        // By pid while the JVM has not reaped it (so the pid cannot have been reused): right
        // after the start, setsid may not yet have made the root a group leader.
        if (root.isAlive()) queue.add(group);
        for (Stat s : all.values()) {
            children.computeIfAbsent(s.ppid, k -> new ArrayList<>()).add(s.pid);
            boolean wasSeen = Long.valueOf(s.startTime).equals(seen.get(s.pid));
            if (s.pgrp == group || wasSeen) queue.add(s.pid);
        }
        Set<Long> visited = new HashSet<>();
        while (!queue.isEmpty()) {
            long pid = queue.poll();
            if (!visited.add(pid)) continue;
            Stat s = all.get(pid);
            if (s == null) continue;
            if (s.state != 'Z' && s.state != 'X') live.put(pid, s.startTime);
            queue.addAll(children.getOrDefault(pid, List.of()));
        }
        // The JVM itself is never a member, whatever a misreading of /proc might say.
        live.remove(ProcessHandle.current().pid());
        seen.putAll(live);
        return live;
    }

    /** The fields of {@code /proc/<pid>/stat} a tree needs. */
    private record Stat(long pid, char state, long ppid, long pgrp, long startTime) {

        private static final Object SCAN_LOCK = new Object();
        private static Map<Long, Stat> lastScan; // guarded by SCAN_LOCK
        private static long lastScanStart;       // guarded by SCAN_LOCK
        private static long runningScanStart;    // guarded by SCAN_LOCK; 0 when none is running

        /**
         * A reading of all of {@code /proc} begun no earlier than {@code sinceNanos}. Concurrent
         * callers share readings: when sixteen trees are stopped at once, their sixteen scans
         * after their roots' exits become one or two (a scan costs milliseconds on a busy host,
         * and an exiting process's {@code stat} is slow to read). Uninterruptible; an interrupt is
         * kept for the caller.
         */
        static Map<Long, Stat> allSince(long sinceNanos) {
            boolean interrupted = false;
            long start;
            try {
                synchronized (SCAN_LOCK) {
                    while (true) {
                        if (lastScan != null && lastScanStart - sinceNanos >= 0) return lastScan;
                        if (runningScanStart == 0) break;
                        try {
                            SCAN_LOCK.wait(); // a scan is running: it may do (if it began late enough), or the next will
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                    start = runningScanStart = System.nanoTime();
                }
                Map<Long, Stat> all = null;
                try {
                    all = all();
                    return all;
                } finally {
                    synchronized (SCAN_LOCK) {
                        if (all != null) {
                            lastScan = all;
                            lastScanStart = start;
                        }
                        runningScanStart = 0;
                        SCAN_LOCK.notifyAll();
                    }
                }
            } finally {
                if (interrupted) Thread.currentThread().interrupt();
            }
        }

        static Map<Long, Stat> all() {
            Map<Long, Stat> all = new HashMap<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(PROC)) {
                for (Path p : dir) {
                    String name = p.getFileName().toString();
                    if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                    Stat s = read(Long.parseLong(name));
                    if (s != null) all.put(s.pid, s);
                }
            } catch (IOException | NumberFormatException e) {
                // /proc vanished under us: report what was read; the next poll tries again.
            }
            return all;
        }

        static Stat read(long pid) {
            String text;
            try {
                text = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"), StandardCharsets.ISO_8859_1);
            } catch (IOException | RuntimeException e) {
                return null; // exited meanwhile
            }
            // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
            //  utime stime cutime cstime priority nice threads itrealvalue starttime ..."; comm
            // may hold spaces and parentheses, so fields are counted from the last ')'.
            int close = text.lastIndexOf(')');
            if (close < 0) return null;
            String[] f = text.substring(close + 2).split(" ");
            if (f.length < 20) return null;
            try {
                return new Stat(pid, f[0].charAt(0), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[19]));
            } catch (NumberFormatException e) {
                return null;
            }
        }
    }
}
