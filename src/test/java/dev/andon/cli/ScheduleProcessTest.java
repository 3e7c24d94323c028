package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code andon serve} as a real process firing {@code every = 2s} on the real clock, killed with
 * SIGKILL between a fire's claim and its run's submission, and right after a run's start: after a
 * restart no fire is fired twice, none is lost to the crash, and the latest missed fire within
 * {@code catch-up} runs once.
 */
class ScheduleProcessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Path config(Path dir, int port, String catchUp) throws IOException {
        Path conf = dir.resolve("schedules.conf");
        Files.writeString(conf, """
                andon.http.port = %d
                andon.schedule-store.path = "%s"
                andon.store.path = "%s"
                andon.jobs.tick {
                  schedule { every = 2s, catch-up = %s }
                  calls = [ { name = a, kind = sleep, duration = 10ms } ]
                }
                """.formatted(port, dir.resolve("schedules.journal"), dir.resolve("andon.db"), catchUp));
        return conf;
    }

    private static AndonProcess serve(Path conf, String... jvmOptions) throws Exception {
        return serve(conf, List.of(), jvmOptions);
    }

    /** Starts {@code andon serve} and waits for its ready line and for lines with each of {@code expected}. */
    private static AndonProcess serve(Path conf, List<String> expected, String... jvmOptions) throws Exception {
        AndonProcess p = AndonProcess.start(AndonProcess.HOME, Map.of(), List.of(jvmOptions), "serve", "--config",
                conf.toString());
        List<String> lines = new ArrayList<>(expected);
        lines.add("andon serving on");
        p.awaitStderrLines(Duration.ofSeconds(90), lines.toArray(String[]::new));
        return p;
    }

    private static List<JsonNode> journal(Path dir) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Path file = dir.resolve("schedules.journal");
        if (!Files.exists(file)) return out;
        for (String line : Files.readAllLines(file)) {
            try {
                out.add(JSON.readTree(line));
            } catch (IOException e) {
                // a line being written: read next time
            }
        }
        return out;
    }

    private static JsonNode awaitEntry(Path dir, Predicate<JsonNode> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode n : journal(dir)) if (wanted.test(n)) return n;
            Thread.sleep(20);
        }
        throw new AssertionError("no such journal entry in " + journal(dir));
    }

    private JsonNode schedule(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/schedules"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).get("schedules").get(0);
    }

    /** Each fire time with the runs launched for it, over every journal line written so far. */
    private static Map<String, List<String>> runsByFire(List<String> lines) throws IOException {
        Map<String, List<String>> runs = new HashMap<>();
        for (String line : lines) {
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                continue;
            }
            if (n.path("op").asText().equals("launched") && n.hasNonNull("run") && !n.path("manual").asBoolean())
                runs.computeIfAbsent(n.get("at").asText(), k -> new ArrayList<>()).add(n.get("run").asText());
        }
        return runs;
    }

    @Test
    void shouldNeverFireTwiceAcrossKillsAndCatchUpTheLatestMissedFireOnce(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path conf = config(dir, port, "1h");
        List<String> everyLine = new ArrayList<>(); // the journal is compacted at each start: keep what it said

        // 1. Killed between a fire's claim (committed) and its run's start.
        String claimedAt;
        try (AndonProcess first = serve(conf, "-Dandon.schedule-store.claim-to-launch-delay=60s")) {
            claimedAt = awaitEntry(dir, n -> n.path("op").asText().equals("claim")).get("at").asText();
            first.signal("KILL");
            first.await(Duration.ofSeconds(30));
        }
        everyLine.addAll(Files.readAllLines(dir.resolve("schedules.journal")));
        assertFalse(everyLine.stream().anyMatch(l -> l.contains("\"launched\"")), "a run started: " + everyLine);

        // 2. Restarted: the claimed fire's run was never submitted (the run store has none), so its
        // claim is taken back; the latest missed fire runs, once.
        String caughtUp;
        try (AndonProcess second = serve(conf, List.of("the fire of " + claimedAt + " was claimed, but Andon "
                + "stopped before its run was submitted; it counts as missed"))) {
            JsonNode missed = awaitEntry(dir, n -> n.path("op").asText().equals("launched") && n.path("missed").asBoolean());
            caughtUp = missed.get("at").asText();
            assertTrue(caughtUp.compareTo(claimedAt) >= 0, caughtUp + " not before " + claimedAt);
            // Then the schedule fires on: wait for a run launched after the catch-up, and kill
            // right after it was recorded.
            awaitEntry(dir, n -> n.path("op").asText().equals("launched") && n.hasNonNull("run")
                    && n.get("at").asText().compareTo(caughtUp) > 0);
            JsonNode s = schedule(port);
            assertTrue(s.path("counts").path("fired").asLong() >= 2, s.toString());
            everyLine.addAll(Files.readAllLines(dir.resolve("schedules.journal")));
            second.signal("KILL");
            second.await(Duration.ofSeconds(30));
        }
        everyLine.addAll(Files.readAllLines(dir.resolve("schedules.journal")));

        // 3. Restarted again: fires on, and none of the fires launched before is launched again.
        try (AndonProcess third = serve(conf)) {
            int before = runsByFire(everyLine).size();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<String> now = Files.readAllLines(dir.resolve("schedules.journal"));
            while (runsByFire(now).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
                now = Files.readAllLines(dir.resolve("schedules.journal"));
            }
            everyLine.addAll(now);
            assertTrue(before >= 2, everyLine.toString());
            third.signal("TERM");
            assertEquals(0, third.await(Duration.ofSeconds(60)).exitCode());
        }
        everyLine.addAll(Files.readAllLines(dir.resolve("schedules.journal")));
        Map<String, List<String>> runs = runsByFire(everyLine);
        runs.forEach((at, ids) -> assertEquals(1, ids.stream().distinct().count(), at + " launched " + ids));
        // Each restart caught up one fire at most (its latest missed one), the first restart surely.
        long catchUps = everyLine.stream().filter(l -> l.contains("\"launched\"") && l.contains("\"missed\":true"))
                .map(l -> l.replaceAll(".*\"at\":\"([^\"]+)\".*", "$1")).distinct().count();
        assertTrue(catchUps >= 1 && catchUps <= 2, catchUps + " catch-ups over two restarts: " + everyLine);
    }

    @Test
    void shouldRecordMissedFiresAndRunNoneWhenTheCatchUpWindowIsZero(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path conf = config(dir, port, "0s");
        try (AndonProcess first = serve(conf)) {
            awaitEntry(dir, n -> n.path("op").asText().equals("launched") && n.hasNonNull("run"));
            first.signal("KILL");
            first.await(Duration.ofSeconds(30));
        }
        Thread.sleep(4_500); // two fires at least while it is down
        try (AndonProcess second = serve(conf)) {
            JsonNode s = schedule(port);
            assertTrue(s.path("counts").path("missed").asLong() >= 2, s.toString());
            awaitEntry(dir, n -> n.path("op").asText().equals("missed"));
            assertFalse(journal(dir).stream().anyMatch(n -> n.path("missed").asBoolean()), journal(dir).toString());
            second.signal("TERM");
            assertEquals(0, second.await(Duration.ofSeconds(60)).exitCode());
        }
    }
}
