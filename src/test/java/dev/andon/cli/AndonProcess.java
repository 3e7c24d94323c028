package dev.andon.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code andon} application in a JVM of its own, started as {@code scripts/andon} starts
 * it (target/classes + target/lib, conf/logback.xml) but without the build step, which must not
 * run inside {@code mvn verify}.
 */
final class AndonProcess implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("andon.home", ".")).toAbsolutePath().normalize();
    /** The build directory this test runs from (target/, or another -DbuildDir). */
    static final Path BUILD = buildDirectory();

    private static Path buildDirectory() {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.getFileName() != null && p.getFileName().toString().equals("classes") && Files.isDirectory(p))
                return p.toAbsolutePath().getParent();
        }
        return HOME.resolve("target");
    }

    /** What a finished process left: its exit status and everything it printed. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    private final Process process;
    private final CompletableFuture<String> stdout;
    private final StringBuffer stderr = new StringBuffer();
    private final BlockingQueue<String> stderrLines = new LinkedBlockingQueue<>();
    private final Thread stderrReader;

    private AndonProcess(Process process) {
        this.process = process;
        this.stdout = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        });
        this.stderrReader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    stderr.append(line).append('\n');
                    stderrLines.add(line);
                }
            } catch (IOException e) {
                stderr.append("<").append(e).append(">\n");
            }
        }, "andon-process-stderr");
        stderrReader.setDaemon(true);
        stderrReader.start();
    }

    /** Starts {@code andon ARGS...} in the Andon directory. */
    static AndonProcess start(String... args) throws IOException {
        return start(HOME, Map.of(), List.of(), args);
    }

    /**
     * Starts {@code andon ARGS...} in {@code cwd}, with {@code env} added to this JVM's environment
     * and {@code jvmOptions} before the main class (as JAVA_OPTS would put them).
     */
    static AndonProcess start(Path cwd, Map<String, String> env, List<String> jvmOptions, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        // A JVM started from a shell's background job inherits SIGINT ignored, and Java cannot
        // undo that; perl (essential on Debian) resets it to the default before exec'ing java,
        // as an interactive shell would. Without perl the command runs as is.
        if (Files.isExecutable(Path.of("/usr/bin/perl"))) {
            command.addAll(List.of("/usr/bin/perl", "-e", "$SIG{INT} = $SIG{TERM} = 'DEFAULT'; exec @ARGV or die $!;"));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dandon.home=" + HOME,
                "-Dlogback.configurationFile=" + HOME.resolve("conf/logback.xml"),
                "-cp", BUILD.resolve("classes") + ":" + BUILD.resolve("lib") + "/*"));
        // as scripts/andon does: Akka 2.6's sun.misc.Unsafe use is allowed, not warned about, on JDK 23+
        // As scripts/andon does: the SQLite driver's System.load warns on JDK 24+ without it.
        if (Runtime.version().feature() >= 22) command.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 23) command.add("--sun-misc-unsafe-memory-access=allow");
        command.addAll(jvmOptions);
        command.add("dev.andon.cli.Main");
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new AndonProcess(pb.start());
    }

    /** Runs {@code andon ARGS...} to its end. */
    static Result run(String... args) throws Exception {
        try (AndonProcess p = start(args)) {
            return p.await(Duration.ofSeconds(60));
        }
    }

    /** Runs {@code andon ARGS...} in {@code cwd} to its end, with {@code jvmOptions}. */
    static Result runIn(Path cwd, List<String> jvmOptions, String... args) throws Exception {
        try (AndonProcess p = start(cwd, Map.of(), jvmOptions, args)) {
            return p.await(Duration.ofSeconds(60));
        }
    }

    /** The JVM's process (to kill it with SIGKILL, as a crash would). */
    Process process() {
        return process;
    }

    long pid() {
        return process.pid();
    }

    /** Waits until, for each of {@code texts}, a line of stderr contained it (in any order). */
    void awaitStderrLines(Duration timeout, String... texts) throws InterruptedException {
        List<String> missing = new ArrayList<>(List.of(texts));
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long left; !missing.isEmpty() && (left = deadline - System.nanoTime()) > 0; ) {
            String line = stderrLines.poll(left, TimeUnit.NANOSECONDS);
            if (line != null) missing.removeIf(line::contains);
        }
        if (!missing.isEmpty())
            throw new AssertionError("no stderr line with " + missing + " within " + timeout + "; stderr:\n" + stderr);
    }

    /** Waits for a line of stderr that contains {@code text}, and returns it. */
    String awaitStderrLine(Duration timeout, String text) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            String line = stderrLines.poll(left, TimeUnit.NANOSECONDS);
            if (line != null && line.contains(text)) return line;
        }
        throw new AssertionError("no stderr line with " + text + " within " + timeout + "; stderr:\n" + stderr);
    }

    /**
     * Waits for the next line of stderr that {@code wanted} accepts (lines before it are passed
     * over), or for the process to end.
     *
     * @return the line, or {@code null} if none came within {@code timeout} or the process ended first
     */
    String awaitStderrLine(Duration timeout, java.util.function.Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            String line = stderrLines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
            if (line != null && wanted.test(line)) return line;
            if (line == null && !process.isAlive() && !stderrReader.isAlive() && stderrLines.isEmpty()) return null;
        }
        return null;
    }

    /** Everything the process wrote to stderr so far. */
    String stderr() {
        return stderr.toString();
    }

    /** Sends {@code signal} (INT, TERM) to the process, as a user's kill would. */
    void signal(String signal) throws Exception {
        int rc = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start().waitFor();
        if (rc != 0) throw new AssertionError("kill -" + signal + " " + pid() + " exited " + rc);
    }

    /** Waits for the process to exit, and for all its output. */
    Result await(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("andon did not exit within " + timeout + "; stderr:\n" + stderr);
        }
        String out = stdout.get(10, TimeUnit.SECONDS);
        stderrReader.join(10_000);
        return new Result(process.exitValue(), out, stderr.toString());
    }

    @Override
    public void close() {
        if (process.isAlive()) process.destroyForcibly();
    }
}
