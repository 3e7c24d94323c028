package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.andon.run.ReportJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code andon serve} as a real process: ready line, SIGTERM with live commands, refusals. */
class ServeProcessTest {
    private static final String HOME = System.getProperty("andon.home", ".");
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void shouldAbortLiveRunsOnSigtermKillTheirProcessesAndExitZero() throws Exception {
        int port = freePort();
        Path conf = write("serve.conf", """
                andon.http.port = %d
                andon.jobs.sleepers {
                  abort-grace = 5s
                  kill-grace = 1s
                  calls = [
                    { name = argv, kind = command, command = ["sleep", "30"] }
                    { name = shell, kind = command, shell = "sleep 31; echo never" }
                  ]
                }
                """.formatted(port));
        Server server = Server.start(conf);
        server.awaitLine(l -> l.contains("andon serving on http://127.0.0.1:" + port), Duration.ofSeconds(60));
        String base = "http://127.0.0.1:" + port;

        HttpResponse<String> posted = send(HttpRequest.newBuilder(URI.create(base + "/jobs/sleepers/runs"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(202, posted.statusCode(), posted.body());
        String id = json(posted.body()).get("id").asText();
        // The run's events are followed to the end, which comes during the shutdown.
        CompletableFuture<HttpResponse<String>> events = http.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/runs/" + id + "/events")).build(), HttpResponse.BodyHandlers.ofString());

        awaitEventClient(base);
        List<ProcessHandle> sleeps = awaitSleeps(server.process, 2);
        long t0 = System.nanoTime();
        server.process.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of its stderr)
        assertTrue(server.process.waitFor(20, TimeUnit.SECONDS), "andon serve did not exit after SIGTERM: " + server.lines);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        System.err.println("ServeProcessTest: SIGTERM to exit in " + millis + " ms");
        server.lines.forEach(l -> System.err.println("  serve: " + l));
        assertEquals(0, server.process.exitValue(), String.join("\n", server.lines));

        String stream = events.get(5, TimeUnit.SECONDS).body();
        List<String> finished = java.util.Arrays.stream(stream.split("\n\n"))
                .map(frame -> frame.lines().toList()).filter(frame -> frame.contains("event:run-finished"))
                .findFirst().orElseThrow(() -> new AssertionError("no run-finished event in " + stream));
        JsonNode report = json(finished.stream().filter(l -> l.startsWith("data:")).findFirst().orElseThrow()
                .substring(5)).get("report");
        assertEquals("ABORTED", report.get("status").asText(), report.toString());
        assertEquals("shutdown", report.get("abortReason").asText());
        report.get("calls").forEach(c -> assertEquals("ABORTED", c.get("status").asText(), c.toString()));

        server.awaitLine(l -> l.contains("andon stopped") && l.contains("1 run live at shutdown, 1 aborted; 2 calls"),
                Duration.ofSeconds(1));
        assertFalse(server.lines.stream().anyMatch(l -> l.contains(" WARN ") || l.contains(" ERROR ")
                || l.contains("dead letter")), String.join("\n", server.lines));
        for (ProcessHandle p : sleeps) {
            assertTrue(p.onExit().completeOnTimeout(p, 2, TimeUnit.SECONDS).thenApply(h -> !h.isAlive()).get(),
                    "orphan left running: " + p.pid() + " " + p.info().commandLine().orElse(""));
        }
    }

    @Test
    void shouldRefuseToStartOffLoopbackWithoutATokenAndOnAPortInUse() throws Exception {
        Path conf = write("open.conf", "andon.http { host = \"0.0.0.0\", port = " + freePort() + " }\n");
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path busy = write("busy.conf", "andon.http.port = " + taken.getLocalPort() + "\n");
            Server open = Server.start(conf);
            Server inUse = Server.start(busy);
            assertTrue(open.process.waitFor(60, TimeUnit.SECONDS) && inUse.process.waitFor(60, TimeUnit.SECONDS));
            open.drained.get(5, TimeUnit.SECONDS);
            inUse.drained.get(5, TimeUnit.SECONDS);

            assertEquals(2, open.process.exitValue());
            assertEquals(List.of("andon: refusing to listen on 0.0.0.0 without andon.http.auth-token: set a token, "
                    + "or bind a loopback address such as 127.0.0.1"), open.lines);
            assertEquals(2, inUse.process.exitValue());
            assertEquals(1, inUse.lines.size(), String.join("\n", inUse.lines));
            assertTrue(inUse.lines.get(0).startsWith("andon: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": "),
                    inUse.lines.get(0));
        }
    }

    /** A running {@code andon serve} and the lines of its stderr. */
    /**
     * An idle service told SIGTERM, several times over: each exits 0, and has closed its store (the
     * sqlite log checkpointed and removed) by the time it says "stopped", so that nothing is left
     * for the exit to wait for. Once an exit came 2.1 s after "stopped": the store was closed on a
     * thread of its own while main exited, and the exit waited for its write to disk. The timings
     * are printed, not asserted.
     */
    @Test
    void shouldCloseTheStoreBeforeSayingStoppedOnAnIdleSigterm() throws Exception {
        int repetitions = 3;
        List<String> timings = new ArrayList<>();
        for (int i = 0; i < repetitions; i++) {
            Path db = dir.resolve("idle-" + i).resolve("andon.db");
            Path conf = write("idle-" + i + ".conf", """
                    andon.http.port = %d
                    andon.store.path = "%s"
                    """.formatted(freePort(), db));
            Server server = Server.start(conf);
            server.awaitLine(l -> l.contains("andon serving on"), Duration.ofSeconds(60));
            Thread.sleep(100L * i); // SIGTERM at different moments after the start
            long t0 = System.nanoTime();
            server.process.toHandle().destroy(); // SIGTERM
            server.awaitLine(l -> l.contains("andon stopped (SIGTERM)"), Duration.ofSeconds(30));
            long stopped = System.nanoTime();
            boolean logLeft = Files.exists(Path.of(db + "-wal"));
            assertTrue(server.process.waitFor(30, TimeUnit.SECONDS), "no exit after SIGTERM: " + server.lines);
            long exited = System.nanoTime();
            assertEquals(0, server.process.exitValue(), String.join("\n", server.lines));
            assertFalse(logLeft, "the store's log was still there when 'stopped' was said: " + server.lines);
            assertTrue(Files.exists(db), db.toString());
            timings.add(String.format("%d+%d ms", (stopped - t0) / 1_000_000, (exited - stopped) / 1_000_000));
        }
        System.err.println("ServeProcessTest: idle SIGTERM to 'stopped' + 'stopped' to exit: " + timings);
    }

    private record Server(Process process, List<String> lines, CompletableFuture<Void> drained) {
        static Server start(Path conf) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "-Dandon.home=" + HOME, "-Dlogback.configurationFile=" + Path.of(HOME, "conf", "logback.xml"),
                    "dev.andon.cli.Main", "serve", "--config", conf.toString())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            List<String> lines = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) lines.add(line);
                } catch (IOException e) {
                    lines.add("(stderr: " + e + ")");
                }
            });
            return new Server(p, lines, drained);
        }

        void awaitLine(Predicate<String> wanted, Duration within) throws InterruptedException {
            long deadline = System.nanoTime() + within.toNanos();
            while (lines.stream().noneMatch(wanted)) {
                if (System.nanoTime() > deadline || !process.isAlive() && drained.isDone()) {
                    throw new AssertionError("no such line in stderr:\n" + String.join("\n", lines));
                }
                Thread.sleep(20);
            }
        }
    }

    private void awaitEventClient(String base) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build()).body().contains("\nandon_sse_clients 1.0\n")) {
            if (System.nanoTime() > deadline) throw new AssertionError("the events client never connected");
            Thread.sleep(20);
        }
    }

    private static List<ProcessHandle> awaitSleeps(Process server, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<ProcessHandle> sleeps = server.descendants()
                    .filter(p -> p.info().command().map(c -> c.endsWith("/sleep")).orElse(false)).toList();
            if (sleeps.size() >= n) {
                List<ProcessHandle> all = new ArrayList<>(sleeps);
                server.descendants().filter(p -> !sleeps.contains(p)).forEach(all::add);
                return all;
            }
            if (System.nanoTime() > deadline) throw new AssertionError("fewer than " + n + " sleep processes: "
                    + server.descendants().map(p -> p.info().commandLine().orElse("?")).toList());
            Thread.sleep(20);
        }
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static JsonNode json(String text) throws IOException {
        return ReportJson.mapper().readTree(text);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
