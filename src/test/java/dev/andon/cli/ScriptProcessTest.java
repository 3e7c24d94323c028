package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.andon.run.ReportJson;
import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/andon} itself, as shipped: which JDK it starts and what it puts on the classpath.
 * It runs in a copy of the Andon directory whose build output is this test's (linked, and stamped
 * newer than the sources), so that the script starts at once and never builds inside a test.
 */
class ScriptProcessTest {
    private static final Path JDK_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

    @TempDir
    static Path home;
    @TempDir
    static Path user;

    @BeforeAll
    static void copyTheAndonDirectory() throws Exception {
        Files.createDirectories(home.resolve("scripts"));
        Files.copy(AndonProcess.HOME.resolve("scripts/andon"), home.resolve("scripts/andon"));
        Files.createSymbolicLink(home.resolve("conf"), AndonProcess.HOME.resolve("conf"));
        Files.createDirectories(home.resolve("target"));
        Files.createSymbolicLink(home.resolve("target/classes"), AndonProcess.BUILD.resolve("classes"));
        Files.createSymbolicLink(home.resolve("target/lib"), AndonProcess.BUILD.resolve("lib"));
        Files.createDirectories(home.resolve("src/main"));
        Files.writeString(home.resolve("pom.xml"), "");
        FileTime past = FileTime.from(Instant.now().minusSeconds(3600));
        Files.setLastModifiedTime(home.resolve("pom.xml"), past);
        Files.setLastModifiedTime(home.resolve("src/main"), past);
        Files.writeString(home.resolve("target/.andon-build-stamp"), "");
    }

    /** A BlockingCall a user wrote, compiled against what README says (target/classes and target/lib/*). */
    private static Path compile(String className, String body, Path out) throws Exception {
        Path src = user.resolve("src").resolve(className.replace('.', '/') + ".java");
        Files.createDirectories(src.getParent());
        String pkg = className.substring(0, className.lastIndexOf('.'));
        String simple = className.substring(className.lastIndexOf('.') + 1);
        Files.writeString(src, "package " + pkg + ";\n"
                + "import dev.andon.call.BlockingCall;\nimport dev.andon.call.WorkContext;\n"
                + "public class " + simple + " implements BlockingCall<String> {\n"
                + "    public String call(WorkContext ctx) { " + body + " }\n}\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        // The javac command expands lib/* itself; its API does not.
        List<String> cp = new ArrayList<>(List.of(AndonProcess.BUILD.resolve("classes").toString()));
        try (var jars = Files.list(AndonProcess.BUILD.resolve("lib"))) {
            jars.map(Path::toString).filter(n -> n.endsWith(".jar")).forEach(cp::add);
        }
        Files.createDirectories(out);
        int rc = javac.run(null, null, null, "--release", "17", "-cp", String.join(File.pathSeparator, cp), "-d", out.toString(), src.toString());
        assertEquals(0, rc, "javac " + src);
        return out;
    }

    private static void jar(Path classes, Path jar) throws Exception {
        Files.createDirectories(jar.getParent());
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(os);
             var files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                j.write(Files.readAllBytes(f));
                j.closeEntry();
            }
        }
    }

    /** {@code bash scripts/andon ARGS...} of the copy, run in the user's folder, with only {@code env} of Andon's variables. */
    private static ProcessBuilder scriptProcess(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", home.resolve("scripts/andon").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(user.toFile());
        for (String v : List.of("JAVA_HOME", "ANDON_HOME", "ANDON_CLASSPATH", "JAVA_OPTS", "ANDON_CDS")) pb.environment().remove(v);
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        return pb;
    }

    private static AndonProcess.Result script(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = scriptProcess(env, args);
        Path out = Files.createTempFile(user, "out", ".txt");
        Path err = Files.createTempFile(user, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("scripts/andon did not exit; stderr:\n" + Files.readString(err));
        }
        return new AndonProcess.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void userClassesShouldComeFromLibAndonHomeLibAndAndonClasspath() throws Exception {
        jar(compile("com.example.FromLib", "return \"lib \" + ctx.config().getString(\"who\");",
                user.resolve("build/a")), home.resolve("lib/from-lib.jar"));
        Path andonHome = user.resolve("andon-home");
        jar(compile("com.example.FromHome", "return \"home\";", user.resolve("build/b")),
                andonHome.resolve("lib/from-home.jar"));
        Path dir = compile("com.example.FromClasspath", "return \"classpath\";", user.resolve("build/c"));
        Files.writeString(user.resolve("mine.conf"), "andon.jobs.mine.calls = [\n"
                + "  { name = a, kind = class, class = com.example.FromLib, config { who = me } }\n"
                + "  { name = b, kind = class, class = com.example.FromHome }\n"
                + "  { name = c, kind = class, class = com.example.FromClasspath }\n]\n");
        AndonProcess.Result r = script(Map.of("ANDON_HOME", andonHome.toString(), "ANDON_CLASSPATH", dir.toString()),
                "run", "mine", "--config", "mine.conf", "--json");
        assertEquals(0, r.exitCode(), r::stderr);
        Map<String, String> results = new HashMap<>();
        for (JsonNode c : ReportJson.mapper().readTree(r.stdout()).get("calls"))
            results.put(c.get("name").asText(), c.get("result").asText());
        assertEquals(Map.of("a", "lib me", "b", "home", "c", "classpath"), results);
    }

    @Test
    void javaHomeShouldNameTheJdkAndJdk25ShouldStartWithoutWarnings() throws Exception {
        jar(compile("com.example.Version", "return System.getProperty(\"java.home\");", user.resolve("build/v")),
                home.resolve("lib/version.jar"));
        Files.writeString(user.resolve("version.conf"),
                "andon.jobs.version.calls = [ { name = v, kind = class, class = com.example.Version } ]\n");
        List<Path> jdks = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"))));
        if (Files.isExecutable(JDK_25.resolve("bin/java"))) jdks.add(JDK_25);
        for (Path jdk : jdks) {
            AndonProcess.Result r = script(Map.of("JAVA_HOME", jdk.toString()), "run", "version", "--config",
                    "version.conf", "--json");
            assertEquals(0, r.exitCode(), r::stderr);
            JsonNode call = ReportJson.mapper().readTree(r.stdout()).get("calls").get(0);
            assertEquals(jdk.toRealPath().toString(), Path.of(call.get("result").asText()).toRealPath().toString());
            assertFalse(r.stderr().contains("WARNING"), () -> jdk + ":\n" + r.stderr());
        }
        AndonProcess.Result none = script(Map.of("JAVA_HOME", user.resolve("no-jdk").toString()), "check");
        assertEquals(2, none.exitCode());
        assertTrue(none.stderr().contains("has no bin/java"), none::stderr);
    }

    /** Starts {@code scripts/andon serve}, waits for its ready line, stops it with SIGTERM; returns its stdout and stderr. */
    private static AndonProcess.Result serveOnce(Map<String, String> env, Path conf) throws Exception {
        ProcessBuilder pb = scriptProcess(env, "serve", "--config", conf.toString());
        Path out = Files.createTempFile(user, "out", ".txt");
        Path err = Files.createTempFile(user, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.readString(err).contains("andon serving on")) {
                if (!p.isAlive()) throw new AssertionError("serve exited " + p.exitValue() + ":\n" + Files.readString(err));
                if (System.nanoTime() > deadline) throw new AssertionError("serve not ready:\n" + Files.readString(err));
                Thread.sleep(50);
            }
            p.destroy(); // SIGTERM
            if (!p.waitFor(60, TimeUnit.SECONDS)) throw new AssertionError("serve did not stop:\n" + Files.readString(err));
            return new AndonProcess.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void serveShouldSayWhatItRefusesBeforeMakingAClassDataArchive() throws Exception {
        // A classpath of its own: its archive is still to be made, so this start would train first.
        Path dir = compile("com.example.Preflight", "return \"p\";", user.resolve("build/preflight"));
        Map<String, String> env = Map.of("ANDON_CLASSPATH", dir.toString());
        Path bad = user.resolve("preflight-bad.conf");
        Files.writeString(bad, "andon.http.port = 0\nandon.store.path = \"" + user.resolve("preflight-store/andon.db") + "\"\n"
                + "andon.jobs.j.calls = [ { name = a, kind = nope } ]\n");
        java.time.Instant before = java.time.Instant.now();
        AndonProcess.Result refused = script(env, "serve", "--config", bad.toString());
        assertEquals(2, refused.exitCode(), refused::stderr);
        assertTrue(refused.stderr().contains("preflight-bad.conf:3"), refused::stderr);
        assertTrue(refused.stderr().contains("nope"), refused::stderr);
        assertFalse(refused.stderr().contains("making a class-data archive"), refused::stderr);
        // Nothing made or marked failed: the next start with a good configuration makes it.
        try (var files = Files.list(home.resolve("target/cds"))) {
            List<Path> made = files.filter(f -> f.getFileName().toString().startsWith("serve-")).filter(f -> {
                try {
                    return Files.getLastModifiedTime(f).toInstant().isAfter(before);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
            assertEquals(List.of(), made);
        } catch (java.nio.file.NoSuchFileException none) {
            // no archive at all yet
        }
        assertFalse(Files.exists(user.resolve("preflight-store")), "the store was not opened");
        // (A good configuration passes the preflight: every first start of the archive's test does.)
    }

    @Test
    void serveShouldStartFromAClassDataArchiveMadeOncePerClasspath() throws Exception {
        Path conf = user.resolve("serve.conf");
        Files.writeString(conf, "andon.http.port = 0\nandon.store.path = \"" + user.resolve("serve-store/andon.db") + "\"\n"
                + "andon.jobs.j.calls = [ { name = a, kind = sleep, duration = 0s } ]\n");
        String making = "making a class-data archive";
        AndonProcess.Result first = serveOnce(Map.of(), conf);
        assertEquals(0, first.exitCode(), first::stderr);
        assertTrue(first.stderr().contains(making), first::stderr);
        Path cds = home.resolve("target/cds");
        List<Path> archives;
        try (var files = Files.list(cds)) {
            archives = files.filter(f -> f.getFileName().toString().matches("serve-[0-9a-f]{16}\\.jsa")).toList();
        }
        assertEquals(1, archives.size(), () -> "archives in " + cds);
        AndonProcess.Result second = serveOnce(Map.of(), conf);
        assertEquals(0, second.exitCode(), second::stderr);
        assertFalse(second.stderr().contains(making), second::stderr);
        assertEquals("", second.stdout(), "nothing of CDS on stdout");
        assertFalse(second.stderr().contains("[warning]"), second::stderr);
        // Another classpath (a user's directory on ANDON_CLASSPATH, whose classes CDS leaves out)
        // is another archive, made once too; the service starts from it as before.
        Path dir = compile("com.example.InDir", "return \"dir\";", user.resolve("build/dir"));
        AndonProcess.Result withDir = serveOnce(Map.of("ANDON_CLASSPATH", dir.toString()), conf);
        assertEquals(0, withDir.exitCode(), withDir::stderr);
        assertTrue(withDir.stderr().contains(making), withDir::stderr);
        AndonProcess.Result again = serveOnce(Map.of("ANDON_CLASSPATH", dir.toString()), conf);
        assertEquals(0, again.exitCode(), again::stderr);
        assertFalse(again.stderr().contains(making), again::stderr);
        assertFalse(again.stderr().contains("[warning]"), again::stderr);
        // off when asked
        AndonProcess.Result off = serveOnce(Map.of("ANDON_CDS", "off"), conf);
        assertEquals(0, off.exitCode(), off::stderr);
    }

    @Test
    void aSignalToTheScriptWhileItMakesTheArchiveShouldStopTheTrainingToo() throws Exception {
        // A service manager's SIGTERM to the script (its main pid) while it trains: the training
        // JVM must not be left running, a service nobody can stop.
        Path conf = user.resolve("signalled.conf");
        Files.writeString(conf, "andon.http.port = 0\nandon.store.path = \"" + user.resolve("signalled-store/andon.db") + "\"\n");
        Path dir = compile("com.example.Signalled", "return \"s\";", user.resolve("build/signalled")); // a classpath of its own: a training
        Path err = Files.createTempFile(user, "err", ".txt");
        Process p = scriptProcess(Map.of("ANDON_CLASSPATH", dir.toString()), "serve", "--config", conf.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.readString(err).contains("making a class-data archive") && System.nanoTime() < deadline) Thread.sleep(20);
            List<ProcessHandle> training = List.of();
            while (training.isEmpty() && System.nanoTime() < deadline) {
                training = trainingProcesses();
                Thread.sleep(20);
            }
            assertFalse(training.isEmpty(), () -> "no training seen; stderr: " + err);
            p.destroy(); // SIGTERM to bash
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the script exits");
            assertEquals(143, p.exitValue());
            long gone = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // its clean stop, and the archive's dump
            while (!trainingProcesses().isEmpty() && System.nanoTime() < gone) Thread.sleep(20);
            assertEquals(List.of(), trainingProcesses().stream().map(ProcessHandle::pid).toList());
        } finally {
            p.destroyForcibly();
            trainingProcesses().forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** The training JVMs of this test's copy of Andon. */
    private static List<ProcessHandle> trainingProcesses() {
        String mark = "-XX:ArchiveClassesAtExit=" + home.resolve("target/cds");
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c -> c.contains(mark)).orElse(false))
                .toList();
    }
}
