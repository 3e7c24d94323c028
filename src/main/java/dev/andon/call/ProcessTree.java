package dev.andon.call;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * names the process that was seen (same start time), so a recycled pid is never signalled. A pid
 * found in a parent's children list is signalled only if its own {@code stat} still names that
 * parent and a start no earlier than the parent's: between the reading of the list and the signal
 * the child may have exited and its pid gone to an unrelated process.
 *
 * <p>Every {@code /proc} file is read whole, however long (a shell with hundreds of children has
 * a list of kilobytes): a number cut off at a buffer's end would name some other process.
 */
final class ProcessTree {
    private static final Path PROC = Path.of("/proc");
    private static final String PROC_DIR = "/proc/";
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final AtomicBoolean WARMED_UP = new AtomicBoolean();
    private static final int WARM_UP_READINGS = 3;
    /** How long after its signal a root still alive holds back the scan that its tree will need (see {@link Stat#allSince}). */
    static final long GATHER_NANOS = 20_000_000L;
    /** Whether trees are tracked by process group and {@code /proc} (Linux) or by descendants only. */
    static final boolean PROCESS_GROUPS = Files.isExecutable(SETSID) && Files.isDirectory(PROC.resolve("self"));
    /** Whether the kernel lists each task's children ({@code CONFIG_PROC_CHILDREN}). */
    private static final boolean CHILDREN_LISTS = PROCESS_GROUPS && Files.isReadable(
            PROC.resolve("self").resolve("task").resolve(Long.toString(ProcessHandle.current().pid())).resolve("children"));

    // Every tree started and not yet stopped, for killAllNow.
    private static final Set<ProcessTree> UNSTOPPED = ConcurrentHashMap.newKeySet();

    private final Process root;
    // Every member ever seen, by pid, with its start time (clock ticks since boot) against pid reuse.
    private final Map<Long, Long> seen = new ConcurrentHashMap<>();
    // Pids already sent SIGTERM.
    private final Set<Long> termed = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean terminated = new AtomicBoolean();
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
        warmUpInBackground();
        ProcessTree tree = new ProcessTree(builder.start());
        UNSTOPPED.add(tree);
        return tree;
    }

    /** Says that this tree is gone (it exited or was stopped), so that {@link #killAllNow} leaves it alone. */
    void gone() {
        UNSTOPPED.remove(this);
    }

    /**
     * Sends {@code SIGKILL} at once to every tree started and not yet {@link #gone}: its root, every
     * member seen so far, and its whole process group (one {@code kill} for all the groups, since
     * Java cannot signal a group). For a JVM that must exit now without leaving any process behind;
     * waits only for that {@code kill} (a millisecond or two), never for the trees to go.
     *
     * @return how many trees were killed
     */
    static int killAllNow() {
        List<String> groups = new ArrayList<>();
        int trees = 0;
        for (ProcessTree t : UNSTOPPED) {
            trees++;
            // The group id is the root's pid, which Linux does not reuse while the group has a member.
            if (PROCESS_GROUPS) groups.add("-" + t.root.pid());
            if (t.root.isAlive()) t.root.toHandle().destroyForcibly();
            for (var m : t.seen.entrySet()) {
                Optional<ProcessHandle> h = ProcessHandle.of(m.getKey());
                if (h.isPresent() && sameProcess(m.getKey(), m.getValue())) h.get().destroyForcibly();
            }
        }
        if (!groups.isEmpty()) {
            List<String> kill = new ArrayList<>(List.of("kill", "-KILL", "--"));
            kill.addAll(groups);
            try {
                Process p = new ProcessBuilder(kill).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (IOException e) {
                // no kill(1): the roots and the members seen have had their SIGKILL
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return trees;
    }

    /**
     * Once per JVM, on a daemon thread: reads {@code /proc} as a tree's stop does, a few times. The
     * first reading in a fresh JVM (class loading, interpreted code) costs many times what the
     * later ones do: they happen while the first commands run, not on the path
     * from a failure to every tree's end.
     */
    private static void warmUpInBackground() {
        if (!PROCESS_GROUPS || !WARMED_UP.compareAndSet(false, true)) return;
        Thread t = new Thread(() -> {
            ProcessGroups.load();
            long self = ProcessHandle.current().pid();
            for (int i = 0; i < WARM_UP_READINGS; i++) {
                Stat.all();
                children(self, new ProcFile());
            }
        }, "andon-proc-warm-up");
        t.setDaemon(true);
        t.start();
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
        Stat rootStat = Stat.read(root.pid());
        if (rootStat == null) return; // the root exited meanwhile: awaitGone's scan finds the rest
        var queue = new ArrayDeque<Stat>();
        queue.add(rootStat);
        Set<Long> visited = new HashSet<>();
        long self = ProcessHandle.current().pid();
        var file = new ProcFile();
        while (!queue.isEmpty()) {
            Stat parent = queue.poll();
            for (long pid : children(parent.pid, file)) {
                if (!visited.add(pid) || pid == self) continue;
                // The handle first: it keeps the start time the JDK read, and destroy() checks it,
                // so a pid reused after the check below is not signalled either.
                Optional<ProcessHandle> h = ProcessHandle.of(pid);
                Stat st = Stat.read(pid, file);
                if (h.isEmpty() || st == null || !st.isChildOf(parent)) continue;
                seen.put(pid, st.startTime);
                termed.add(pid);
                h.get().destroy();
                queue.add(st);
            }
        }
    }

    /**
     * The children of every thread of {@code pid}, as the kernel lists them (empty if gone), read
     * with {@code file}. Each may have exited since, and its pid be another process's.
     */
    static List<Long> children(long pid, ProcFile file) {
        List<Long> kids = new ArrayList<>();
        String[] tasks = new File(PROC_DIR + pid + "/task").list();
        if (tasks == null) return kids; // gone meanwhile: no children to signal
        for (String task : tasks) {
            if (file.read(PROC_DIR + pid + "/task/" + task + "/children")) kids.addAll(pids(file));
        }
        return kids;
    }

    /** The numbers of a whole children list, "pid pid ... " (the kernel ends each with a space). */
    static List<Long> pids(ProcFile file) {
        List<Long> pids = new ArrayList<>();
        byte[] buf = file.bytes();
        long value = -1;
        for (int i = 0, n = file.length(); i < n; i++) {
            byte b = buf[i];
            if (b >= '0' && b <= '9') {
                value = (value < 0 ? 0 : value * 10) + (b - '0');
            } else if (value >= 0) {
                pids.add(value);
                value = -1;
            }
        }
        if (value >= 0) pids.add(value); // the file was read to its end: the last number is whole
        return pids;
    }

    /** Sends {@code SIGKILL} to every live member. */
    void kill() {
        signal(true);
    }

    /** The live members' pids, root first when alive. */
    Set<Long> members() {
        return scan(false).keySet();
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
            boolean first = true;
            for (Map<Long, Long> live; !(live = scan(first)).isEmpty(); first = false) {
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
        Map<Long, Long> members = scan(false);
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
            Optional<ProcessHandle> h = ProcessHandle.of(m.getKey()); // before the check, as in signal()
            if (h.isPresent() && sameProcess(m.getKey(), m.getValue())) h.get().destroy();
        }
    }

    private static boolean sameProcess(long pid, long startTime) {
        if (!PROCESS_GROUPS) return true;
        Stat s = Stat.read(pid);
        return s != null && s.startTime == startTime;
    }

    /** The live members now, pid to start time. */
    /** {@code rootGone}: the first look after the root was seen gone (see {@link Stat#allSince}). */
    private Map<Long, Long> scan(boolean rootGone) {
        Map<Long, Long> live = new HashMap<>();
        if (!PROCESS_GROUPS) {
            if (root.isAlive()) live.put(root.pid(), 0L);
            root.descendants().filter(ProcessHandle::isAlive).forEach(h -> live.put(h.pid(), 0L));
            return live;
        }
        if (knownGone()) return live;
        Map<Long, Stat> all = Stat.allSince(System.nanoTime(), rootGone ? this : null);
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

    /**
     * Whether the tree is known to have no member without a scan of {@code /proc}: its root has
     * exited (and been reaped, so its group can no longer gain a process of ours), the kernel says
     * its process group is empty, and no member seen earlier, which may have left the group, is
     * alive. A scan would then find none either: a live member would be in the group, or be one
     * seen, or descend from one seen that is alive (a process that exits hands its children to
     * init, so a zombie has none). False whenever this cannot be told (see
     * {@link ProcessGroups#knownEmpty}): the scan decides.
     */
    private boolean knownGone() {
        if (root.isAlive() || !ProcessGroups.knownEmpty(root.pid())) return false;
        var file = new ProcFile();
        for (var m : seen.entrySet()) {
            if (m.getKey() == root.pid()) continue; // in the group, if alive: the kernel has said there is none
            Stat s = Stat.read(m.getKey(), file);
            if (s != null && s.startTime == m.getValue() && s.state != 'Z' && s.state != 'X') return false;
        }
        return true;
    }

    /** The fields of {@code /proc/<pid>/stat} a tree needs. */
    record Stat(long pid, char state, long ppid, long pgrp, long startTime) {

        /** Whether this names a child of {@code parent}: its parent pid, started no earlier. */
        boolean isChildOf(Stat parent) {
            return ppid == parent.pid && startTime >= parent.startTime;
        }

        private static final Object SCAN_LOCK = new Object();
        private static Map<Long, Stat> lastScan; // guarded by SCAN_LOCK
        private static long lastScanStart;       // guarded by SCAN_LOCK
        private static Set<ProcessTree> lastScanRootsGone = Set.of(); // guarded by SCAN_LOCK: trees whose root had exited as it began
        private static boolean scanning;         // guarded by SCAN_LOCK: a scan is gathering or running
        private static long scans;               // guarded by SCAN_LOCK: begun so far

        /** How many shared scans ({@link #allSince}) have begun in this JVM. */
        static long scans() {
            synchronized (SCAN_LOCK) {
                return scans;
            }
        }

        /**
         * A reading of all of {@code /proc} begun no earlier than {@code sinceNanos}. Concurrent
         * callers share readings: when sixteen trees are stopped at once, their sixteen scans
         * after their roots' exits become one (a scan costs milliseconds on a busy host, and an
         * exiting process's {@code stat} is slow to read). Before it begins, a scan waits for the
         * roots signalled in the last {@link #GATHER_NANOS} that have not exited yet (see
         * {@link #gatherUntil}): each of their trees needs a scan begun after its root's exit, and
         * without the wait they would get one each, one after another, as their roots go one by
         * one. A reading also does for {@code rootGone} (a tree whose root has just been seen
         * gone, or null) if that root had already exited when it began, even if its caller came
         * later. Uninterruptible; an interrupt is kept for the caller.
         */
        static Map<Long, Stat> allSince(long sinceNanos, ProcessTree rootGone) {
            boolean interrupted = false;
            long start;
            Set<ProcessTree> rootsGone;
            try {
                synchronized (SCAN_LOCK) {
                    // Whoever waits here may be a tree the gathering scan is waiting for.
                    SCAN_LOCK.notifyAll();
                    while (true) {
                        if (lastScan != null && (lastScanStart - sinceNanos >= 0
                                || rootGone != null && lastScanRootsGone.contains(rootGone))) return lastScan;
                        if (!scanning) break;
                        try {
                            SCAN_LOCK.wait(); // a scan is gathering or running: it may do (if it begins late enough), or the next will
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                    scanning = true;
                    long latest = System.nanoTime() + GATHER_NANOS; // however many roots keep being signalled
                    for (long until; (until = Math.min(gatherUntil(), latest)) - System.nanoTime() > 0; ) {
                        long left = until - System.nanoTime();
                        try {
                            SCAN_LOCK.wait(Math.max(0, left / 1_000_000), (int) Math.max(0, left % 1_000_000));
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                    start = System.nanoTime();
                    scans++;
                    rootsGone = new HashSet<>();
                    for (ProcessTree t : UNSTOPPED) if (!t.root.isAlive()) rootsGone.add(t);
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
                            lastScanRootsGone = rootsGone;
                        }
                        scanning = false;
                        SCAN_LOCK.notifyAll();
                    }
                }
            } finally {
                if (interrupted) Thread.currentThread().interrupt();
            }
        }

        /**
         * Until when a scan about to begin waits: {@link #GATHER_NANOS} after the latest signal
         * to a root that is still alive (now or earlier if there is none). A root that takes
         * longer over its SIGTERM holds no scan back for longer than that, and no scan waits
         * longer than that in all.
         */
        private static long gatherUntil() {
            long now = System.nanoTime();
            long until = now;
            for (ProcessTree t : UNSTOPPED) {
                long signalled = t.firstSignalNanos;
                if (signalled == 0 || now - signalled >= GATHER_NANOS || !t.root.isAlive()) continue;
                if (signalled + GATHER_NANOS - until > 0) until = signalled + GATHER_NANOS;
            }
            return until;
        }

        static Map<Long, Stat> all() {
            Map<Long, Stat> all = new HashMap<>();
            String[] names = PROC.toFile().list();
            if (names == null) return all; // /proc vanished under us: the next poll tries again
            var file = new ProcFile();
            for (String name : names) {
                long pid = pidOf(name);
                if (pid < 0) continue;
                Stat s = read(pid, file);
                if (s != null) all.put(s.pid, s);
            }
            return all;
        }

        /** The pid a {@code /proc} entry names, or -1 for the entries that are not processes. */
        private static long pidOf(String name) {
            if (name.isEmpty() || name.length() > 18) return -1;
            long pid = 0;
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c < '0' || c > '9') return -1;
                pid = pid * 10 + (c - '0');
            }
            return pid;
        }

        static Stat read(long pid) {
            return read(pid, new ProcFile());
        }

        /**
         * Reads {@code /proc/<pid>/stat} with {@code file}: "pid (comm) state ppid pgrp session tty
         * tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime priority nice threads
         * itrealvalue starttime ...". Parsed by hand from the bytes (a scan reads every process's, on
         * the path from a failure to the run's report); comm may hold spaces and parentheses, so
         * fields are counted from the last ')'.
         */
        static Stat read(long pid, ProcFile file) {
            if (!file.read(PROC_DIR + pid + "/stat")) return null;
            return parse(pid, file.bytes(), file.length());
        }

        /** The fields of the first {@code n} bytes of {@code buf}, a stat line; null if it is not one. */
        static Stat parse(long pid, byte[] buf, int n) {
            int close = n - 1;
            while (close >= 0 && buf[close] != ')') close--;
            if (close < 0 || close + 4 >= n) return null; // exited meanwhile, or not what we expect
            char state = (char) buf[close + 2];
            // Fields after the state, numbered from 1: ppid 1, pgrp 2, starttime 19.
            long ppid = -1, pgrp = -1, startTime = -1;
            int field = 1;
            long value = -1; // -1 while the field is empty or not a plain number
            boolean number = true;
            for (int i = close + 4; i <= n && field <= 19; i++) {
                byte b = i < n ? buf[i] : (byte) ' ';
                if (b == ' ' || b == '\n') {
                    long v = number ? value : -1;
                    if (field == 1) ppid = v;
                    else if (field == 2) pgrp = v;
                    else if (field == 19) startTime = v;
                    field++;
                    value = -1;
                    number = true;
                } else if (b >= '0' && b <= '9') {
                    value = (value < 0 ? 0 : value * 10) + (b - '0');
                } else {
                    number = false;
                }
            }
            if (ppid < 0 || pgrp < 0 || startTime < 0) return null;
            return new Stat(pid, state, ppid, pgrp, startTime);
        }
    }

    /**
     * A {@code /proc} file read whole into a buffer that grows as needed and is reused from one
     * read to the next, without NIO's per-call machinery ({@code /proc} files report size 0, so
     * the only end is the end of the stream). Not thread-safe: one per reading thread.
     */
    static final class ProcFile {
        private byte[] buf = new byte[1024];
        private int length;

        /**
         * Reads all of {@code path}. Returns false, and holds nothing, when the file is gone (the
         * process exited) or unreadable: never a part of it.
         */
        boolean read(String path) {
            length = 0;
            try (FileInputStream in = new FileInputStream(path)) {
                for (int r; (r = in.read(buf, length, buf.length - length)) >= 0; ) {
                    length += r;
                    if (length == buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
                }
                return true;
            } catch (IOException | RuntimeException e) {
                length = 0;
                return false;
            }
        }

        /** The bytes of the last read; valid up to {@link #length()}. */
        byte[] bytes() {
            return buf;
        }

        int length() {
            return length;
        }
    }
}
