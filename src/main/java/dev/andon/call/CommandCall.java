package dev.andon.call;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The {@code command} kind: runs an external program and succeeds when it exits 0.
 *
 * <h2>What runs</h2>
 * {@code argv} as given, without a shell ({@code command = [...]}), or {@code /bin/sh -c script}
 * ({@code shell = "..."}); with {@code env} added to the inherited environment, and
 * {@code ANDON_RUN_ID} and {@code ANDON_CALL} naming its run and call, in {@code cwd}
 * (the JVM's working directory when null), stdin at end of file. On Linux the program leads a new
 * session and process group (it is started through {@code setsid}), so that the whole tree it
 * starts can be found and stopped; see {@link ProcessTree}.
 *
 * <h2>Outcome</h2>
 * <ul>
 *   <li>exit 0: returns {@code "exit 0"};
 *   <li>non-zero exit or death by a signal: throws {@link CommandFailedException}
 *       ({@code "exit 3: <last stderr line>"}, {@code "killed by SIGKILL (exit 137)"});
 *   <li>cannot start (no such program, not executable, bad {@code cwd}): throws
 *       {@link CommandStartException} with a one-line reason;
 *   <li>aborted: throws {@link AbortedException}, only once every process of the tree is gone.
 * </ul>
 * In every case that started a process, the report's details get {@code exitCode},
 * {@code signal} (when 128+N), {@code stdoutTail} and {@code stderrTail}: the last
 * {@code andon.command.output-tail} bytes of each, kept in bounded buffers that are drained
 * continuously, so a program printing gigabytes neither blocks on a full pipe nor fills the heap.
 *
 * <h2>Abort</h2>
 * On abort, {@code SIGTERM} goes to every process of the tree at once: from the call's own thread
 * when the engine interrupts it ({@code interrupt-on-abort}, the default), else from an abort
 * hook that then wakes the thread. The call's thread then waits for the tree to go, sends {@code SIGKILL} to
 * whatever is left {@code kill-grace} after the {@code SIGTERM}, and returns only when no process
 * of the tree is left. A program that traps {@code SIGTERM} and exits within the grace has its
 * output kept. Processes the program left behind when it exited on its own are stopped the same
 * way, so no process outlives its call.
 *
 * <h2>Threading</h2>
 * {@link #call} runs on the blocking dispatcher and blocks until the tree is gone. Two daemon
 * threads per attempt, {@code andon-output-<call>-stdout} and {@code -stderr}, drain the pipes.
 * Instances are immutable and may run any number of attempts, also concurrently.
 */
public final class CommandCall implements BlockingCall<String> {
    // Reader threads end at end of file, once every writer of the pipe is gone. A process that
    // escaped the tree may hold the pipe open; then the tails are read as they are after this.
    private static final long READER_JOIN_MILLIS = 500;
    private static final String IDLE_READER = "andon-output";
    /**
     * The threads that drain commands' pipes, two a command while it runs, kept for a minute
     * between commands: a thread's start and end cost more than a short command's whole read (the
     * end unmaps its stack, which interrupts every other core), and sixteen commands stopped at
     * once would pay thirty-two of them on the way from a failure to the acks. Daemons, named
     * after the call and stream they read while they read it.
     */
    private static final ExecutorService READERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, IDLE_READER);
        t.setDaemon(true);
        return t;
    });
    /** A longer output line is cut here in its call-output event (the report's tails keep it whole). */
    private static final int OUTPUT_LINE_MAX_BYTES = 4096;
    private static final int ERROR_LINE_MAX = 200;
    /** The environment variable that names the run of every process a command call starts. */
    public static final String RUN_ID_ENV = "ANDON_RUN_ID";
    /** The environment variable that names the call of every process a command call starts. */
    public static final String CALL_ENV = "ANDON_CALL";

    private final List<String> argv;
    private final Map<String, String> env;
    private final Path cwd;
    private final Duration killGrace;
    private final long outputTail;

    /**
     * @param argv       the program and its arguments, not empty
     * @param env        variables added to the inherited environment
     * @param cwd        the working directory, or null for the JVM's
     * @param killGrace  how long the tree has after {@code SIGTERM} before {@code SIGKILL}
     * @param outputTail how many bytes of the end of stdout, and of stderr, are kept
     */
    public CommandCall(List<String> argv, Map<String, String> env, Path cwd, Duration killGrace, long outputTail) {
        this.argv = List.copyOf(argv);
        if (this.argv.isEmpty()) throw new IllegalArgumentException("argv must not be empty");
        this.env = Map.copyOf(env);
        this.cwd = cwd;
        this.killGrace = Objects.requireNonNull(killGrace, "killGrace");
        if (killGrace.isNegative()) throw new IllegalArgumentException("killGrace must not be negative: " + killGrace);
        if (outputTail < 0) throw new IllegalArgumentException("outputTail must not be negative: " + outputTail);
        this.outputTail = outputTail;
    }

    /** A {@code /bin/sh -c script} call. */
    public static CommandCall shell(String script, Map<String, String> env, Path cwd, Duration killGrace, long outputTail) {
        return new CommandCall(List.of("/bin/sh", "-c", script), env, cwd, killGrace, outputTail);
    }

    /**
     * Sends {@code SIGKILL} now to every process tree a command call of this JVM started and has
     * not yet seen gone (roots, members seen, their process groups), without waiting for them to
     * exit: for a process that must exit at once and leave no orphan behind. Thread-safe; callable
     * from a signal handler.
     *
     * @return how many trees were killed
     */
    public static int killAllProcessesNow() {
        return ProcessTree.killAllNow();
    }

    public List<String> argv() {
        return argv;
    }

    @Override
    public String call(WorkContext ctx) throws Exception {
        ctx.checkpoint();
        ProcessBuilder builder = new ProcessBuilder(ProcessTree.wrap(argv));
        builder.environment().putAll(env);
        // Every process of the tree inherits these, also one that escapes its group: after a
        // crash, a restarted Andon finds what its interrupted runs left by them.
        if (ctx.runId() != null) builder.environment().put(RUN_ID_ENV, ctx.runId());
        builder.environment().put(CALL_ENV, ctx.callName());
        if (cwd != null) builder.directory(cwd.toFile());
        checkStartable(builder);

        ProcessTree tree;
        try {
            tree = ProcessTree.start(builder);
        } catch (IOException e) {
            throw new CommandStartException(argv.get(0), startFailure(e));
        }
        Process root = tree.root();
        ctx.processStarted(root.pid(), killGrace);
        ctx.progress("running, pid " + root.pid());
        OutputTail stdout = new OutputTail(outputTail);
        OutputTail stderr = new OutputTail(outputTail);
        CountDownLatch outRead = drain(root.getInputStream(), stdout, ctx, "stdout");
        CountDownLatch errRead = drain(root.getErrorStream(), stderr, ctx, "stderr");
        closeQuietly(root.getOutputStream());

        CompletableFuture<Void> abortSignal = new CompletableFuture<>();
        // Interrupted on abort, this thread signals the tree itself as soon as it wakes (in stop,
        // below): sixteen aborted commands then start their SIGTERMs at once rather than queue for
        // the four threads that run abort hooks. Otherwise a hook signals the tree and wakes us.
        if (!ctx.interruptedOnAbort()) {
            ctx.onAbort(() -> {
                tree.terminate();
                abortSignal.complete(null);
            });
        }
        boolean interrupted = false;
        try {
            // Interrupted on abort, a plain wait will do, and it wakes ~0.4 ms sooner at the exit
            // than onExit() (whose future completes on one more thread: 0.50 against 0.93 ms here).
            if (ctx.interruptedOnAbort()) root.waitFor();
            else CompletableFuture.anyOf(root.onExit(), abortSignal).get();
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for pid " + root.pid(), e); // neither future fails
        }
        // Aborted when we signalled the tree (or were interrupted) before the program was seen
        // to exit on its own; an exit that beat the abort keeps its own outcome.
        boolean aborted = interrupted || tree.signalled();
        int leftBehind = aborted ? 0 : tree.members().size();
        // A program that exited and left nothing behind needs no stopping (and no more /proc scans).
        boolean killed = (aborted || leftBehind > 0) && tree.stop(killGrace);
        tree.gone();
        long readersDue = System.nanoTime() + READER_JOIN_MILLIS * 1_000_000;
        join(outRead, readersDue);
        join(errRead, readersDue);

        int exit = exitValue(root);
        ctx.detail("exitCode", exit);
        String signal = CommandFailedException.signalName(exit);
        if (signal != null) ctx.detail("signal", signal);
        ctx.detail("stdoutTail", stdout.text());
        ctx.detail("stderrTail", stderr.text());
        if (killed) ctx.detail("killed", true);
        if (leftBehind > 0) ctx.detail("leftBehindStopped", leftBehind);

        if (aborted) {
            if (interrupted) Thread.currentThread().interrupt();
            ctx.checkpoint();
            // Interrupted without an abort request: still an interrupt, and the tree is gone.
            Thread.interrupted();
            throw new InterruptedException("interrupted; process tree of pid " + root.pid() + " stopped");
        }
        if (exit != 0) {
            String line = stderr.lastLine(ERROR_LINE_MAX);
            if ((exit == 126 || exit == 127) && line.startsWith("setsid: failed to execute ")) {
                // Found by checkStartable, unless the file changed in between: setsid's own words.
                int colon = line.indexOf(": ", "setsid: failed to execute ".length());
                throw new CommandStartException(argv.get(0), colon < 0 ? line : line.substring(colon + 2));
            }
            // What it said last: its stderr, or its stdout when stderr is empty.
            String said = stderr.excerpt(ERROR_LINE_MAX);
            throw new CommandFailedException(exit, said.isEmpty() ? stdout.excerpt(ERROR_LINE_MAX) : said);
        }
        return "exit 0";
    }

    /**
     * Checks what exec would find wrong, so that the one-line reason comes from us and not from
     * setsid's stderr: the working directory, and the program as {@code execvp} resolves it.
     */
    private void checkStartable(ProcessBuilder builder) throws CommandStartException {
        String program = argv.get(0);
        Path dir = cwd != null ? cwd : Path.of("").toAbsolutePath();
        if (cwd != null && !Files.isDirectory(cwd)) {
            throw new CommandStartException(program, "working directory " + cwd
                    + (Files.exists(cwd) ? " is not a directory" : " does not exist"));
        }
        if (program.isEmpty()) throw new CommandStartException(program, "No such file or directory");
        try {
            if (program.contains("/")) {
                checkExecutable(program, dir.resolve(program));
                return;
            }
            String path = builder.environment().getOrDefault("PATH", "/bin:/usr/bin");
            for (String entry : path.split(":", -1)) {
                Path candidate = dir.resolve(entry.isEmpty() ? "." : entry).resolve(program);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return;
            }
        } catch (InvalidPathException e) {
            throw new CommandStartException(program, "invalid path: " + e.getReason());
        }
        throw new CommandStartException(program, "No such file or directory (searched PATH)");
    }

    private static void checkExecutable(String program, Path file) throws CommandStartException {
        if (!Files.exists(file)) throw new CommandStartException(program, "No such file or directory");
        if (Files.isDirectory(file)) throw new CommandStartException(program, "Is a directory");
        if (!Files.isExecutable(file)) throw new CommandStartException(program, "Permission denied");
    }

    /** The reason in {@code Cannot run program "x" (in directory "d"): error=2, No such file...}. */
    private static String startFailure(IOException e) {
        String m = String.valueOf(e.getMessage());
        int at = m.indexOf("error=");
        if (at >= 0) {
            int comma = m.indexOf(", ", at);
            if (comma >= 0) return m.substring(comma + 2);
        }
        return m;
    }

    /**
     * Reads {@code in} into {@code tail}, telling {@code ctx} each line of it (which never blocks),
     * on a thread of {@link #READERS}; the latch opens at the stream's end.
     */
    private static CountDownLatch drain(InputStream in, OutputTail tail, WorkContext ctx, String stream) {
        CountDownLatch done = new CountDownLatch(1);
        String name = "andon-output-" + ctx.callName() + "-" + stream;
        READERS.execute(() -> {
            Thread self = Thread.currentThread();
            self.setName(name);
            OutputLines lines = new OutputLines(OUTPUT_LINE_MAX_BYTES, line -> ctx.output(stream, line));
            try (in) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    tail.append(buf, 0, n);
                    lines.append(buf, 0, n);
                }
            } catch (IOException e) {
                // The stream was closed under us: the tail keeps what was read.
            } finally {
                lines.finish();
                self.setName(IDLE_READER);
                done.countDown();
            }
        });
        return done;
    }

    /** The exit status of a root the tree saw go; the JVM may not have reaped it yet. */
    private static int exitValue(Process root) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return root.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Waits for a reader's end until {@code dueNanos}; uninterruptible, the interrupt status kept. */
    private static void join(CountDownLatch read, long dueNanos) {
        boolean interrupted = false;
        for (long left; read.getCount() > 0 && (left = dueNanos - System.nanoTime()) > 0; ) {
            try {
                read.await(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    private static void closeQuietly(java.io.OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // stdin of a program that already exited: nothing to tell it.
        }
    }

    @Override
    public String toString() {
        return argv.size() == 3 && argv.get(0).equals("/bin/sh") && argv.get(1).equals("-c")
                ? "shell " + argv.get(2) : "command " + argv;
    }
}
