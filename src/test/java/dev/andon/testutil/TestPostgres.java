package dev.andon.testutil;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for the tests: a real server (Debian's PostgreSQL 15 binaries), never
 * a mock or an in-memory look-alike.
 *
 * <h2>Lifecycle</h2>
 * {@link #shared()} starts one server per JVM on first use: {@code initdb} into a fresh folder under
 * {@code /tmp/andon-test-pg}, then {@code pg_ctl start} on a free loopback port. The server is stopped
 * ({@code pg_ctl stop -m immediate}) and its folder deleted when the JVM exits. A server left behind by
 * a JVM that was killed is stopped by the next {@code shared()} of any JVM: each folder records the pid
 * of the JVM that owns it.
 *
 * <h2>Users and authentication</h2>
 * PostgreSQL refuses to run as root, so when the tests run as root (as CI does) the server runs as the
 * {@code postgres} user through {@code runuser}. TCP connections use password authentication
 * ({@code scram-sha-256}), so a wrong password is refused as it would be in a deployment; the superuser
 * is {@link #user()} with {@link #password()}.
 *
 * <h2>Isolation</h2>
 * Tests share the server, not databases: {@link #createDatabase()} gives each caller a database of its
 * own. The server runs with {@code fsync = off}: it is the Andon process that tests crash, never the
 * database server.
 *
 * <p>The binaries are looked up in {@code andon.test.pg-bin} (a system property), else the newest
 * {@code /usr/lib/postgresql/N/bin}.
 */
public final class TestPostgres {
    private static final Path PARENT = Paths.get("/tmp/andon-test-pg");
    private static final String USER = "andon";
    private static final String PASSWORD = "andon-test-secret";
    private static TestPostgres shared;

    private final Path bin;
    private final Path dir;
    private final Path data;
    private final int port;
    private final boolean asPostgresUser;
    private final AtomicInteger databases = new AtomicInteger();

    /** The JVM's server, started on first use; it lives until the JVM exits. */
    public static synchronized TestPostgres shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** A fresh, empty database owned by {@link #user()}; its name. */
    public String createDatabase() {
        String name = "t" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        sql("postgres", "CREATE DATABASE " + name);
        return name;
    }

    /** Runs SQL through {@code psql} as the superuser, for set-up a test cannot do through JDBC; its output. */
    public String sql(String database, String sql) {
        return run(List.of(bin.resolve("psql").toString(), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", USER, "-d", database, "-c", sql),
                false, true);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int port() {
        return port;
    }

    /** The folder that holds the cluster and the server log ({@code server.log}). */
    public Path directory() {
        return dir;
    }

    private TestPostgres(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    private static TestPostgres start() {
        Path bin = findBin();
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            Files.createDirectories(PARENT);
            PARENT.toFile().setWritable(true, false);
            PARENT.toFile().setExecutable(true, false);
            stopAbandoned(bin, root);
            Path dir = Files.createTempDirectory(PARENT, "pg-");
            Files.writeString(dir.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
            TestPostgres pg = new TestPostgres(bin, dir, freePort(), root);
            pg.initAndStart();
            Runtime.getRuntime().addShutdownHook(new Thread(pg::stopQuietly, "test-postgres-stop"));
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the test PostgreSQL under " + PARENT, e);
        }
    }

    private void initAndStart() throws IOException {
        Path pwfile = dir.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n");
        if (asPostgresUser) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false, false);
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--pwfile=" + pwfile,
                "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--locale=C"), true, false);
        String options = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off"
                + " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-o", options,
                "-l", dir.resolve("server.log").toString(), "-w", "-t", "60", "start"), true, false);
    }

    private void stopQuietly() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"),
                    true, false);
        } catch (RuntimeException e) {
            // The JVM is exiting: nothing useful to do but leave the folder for the next shared() to clean.
            return;
        }
        deleteTree(dir);
    }

    // A JVM killed by a test harness never ran its shutdown hook: stop its server and delete its folder.
    private static void stopAbandoned(Path bin, boolean root) throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(PARENT)) {
            dirs = s.toList();
        }
        for (Path d : dirs) {
            Path owner = d.resolve("owner.pid");
            long pid;
            try {
                pid = Long.parseLong(Files.readString(owner).trim());
            } catch (IOException | NumberFormatException e) {
                pid = -1;
            }
            if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            if (Files.exists(d.resolve("data/postmaster.pid"))) {
                TestPostgres old = new TestPostgres(bin, d, 0, root);
                try {
                    old.run(List.of(bin.resolve("pg_ctl").toString(), "-D", d.resolve("data").toString(),
                            "-m", "immediate", "-w", "stop"), true, false);
                } catch (RuntimeException e) {
                    // Already stopped (a stale pid file): deleting the folder is all that is left.
                }
            }
            deleteTree(d);
        }
    }

    private String run(List<String> command, boolean asServerUser, boolean withPassword) {
        List<String> argv = new ArrayList<>();
        if (asServerUser && asPostgresUser) {
            argv.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        argv.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        if (withPassword) {
            pb.environment().put("PGPASSWORD", PASSWORD);
        }
        if (asServerUser && asPostgresUser) {
            pb.directory(dir.toFile()); // runuser keeps the cwd; postgres must be able to read it
        }
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(Duration.ofMinutes(2).toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", argv));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException("exit " + p.exitValue() + ": " + String.join(" ", argv) + "\n" + text);
            }
            return text.strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + argv.get(0), e);
        }
    }

    private static Path findBin() {
        String configured = System.getProperty("andon.test.pg-bin");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured);
        }
        Path base = Paths.get("/usr/lib/postgresql");
        try (Stream<Path> versions = Files.list(base)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(b -> versionOf(b.getParent())))
                    .orElseThrow(() -> new IllegalStateException("no PostgreSQL server binaries under " + base
                            + " (apt-get install postgresql)"));
        } catch (IOException e) {
            throw new IllegalStateException("no PostgreSQL server binaries under " + base
                    + " (apt-get install postgresql)", e);
        }
    }

    private static int versionOf(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: a folder left under /tmp/andon-test-pg is deleted by the next run.
        }
    }
}
