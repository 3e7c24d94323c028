package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code andon serve} as a real process firing {@code every = 2s} on the real clock, killed with
 * SIGKILL after a fire came due and before its run's submission (the fire and its run are one
 * transaction: neither is in the store), and right after a fire's run was committed: after each
 * restart no fire has two runs (read from the runs themselves, not from the fires' table), none
 * is lost to the crash, and the latest missed fire within {@code catch-up} runs once.
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
                andon.store.path = "%s"
                andon.jobs.tick {
                  schedule { every = 2s, catch-up = %s }
                  calls = [ { name = a, kind = sleep, duration = 10ms } ]
                }
                """.formatted(port, dir.resolve("andon.db"), catchUp));
        return conf;
    }

    private static AndonProcess serve(Path conf) throws Exception {
        AndonProcess p = AndonProcess.start(AndonProcess.HOME, Map.of(), List.of(), "serve", "--config", conf.toString());
        p.awaitStderrLines(Duration.ofSeconds(90), "andon serving on");
        return p;
    }

    /** A scheduled run as the store has it: its fire's time and whether it was a catch-up. */
    private record Run(String id, Instant fireTime, boolean missed, String status) {
    }

    /** The schedule's runs in the store (the process writes it meanwhile: WAL lets us read). */
    private static List<Run> runs(Path dir) throws Exception {
        List<Run> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("andon.db"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, trigger_json, status FROM andon_runs WHERE trigger_kind = 'schedule'")) {
            while (rs.next()) {
                JsonNode t = JSON.readTree(rs.getString(2));
                if (t.path("manual").asBoolean()) continue;
                out.add(new Run(rs.getString(1), Instant.parse(t.get("fireTime").asText()), t.path("missed").asBoolean(),
                        rs.getString(3)));
            }
        } catch (SQLException e) {
            // no schema yet: nothing recorded
        }
        return out;
    }

    /** The fires recorded as having started a run (the others were skipped while the first waited). */
    private static long firedRows(Path dir) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("andon.db"));
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM andon_schedule_fires WHERE outcome = 'fired'")) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static Run awaitRun(Path dir, Predicate<Run> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Run> r = runs(dir).stream().filter(wanted).findFirst();
            if (r.isPresent()) return r.get();
            Thread.sleep(10);
        }
        throw new AssertionError("no such run in the store: " + runs(dir));
    }

    private JsonNode schedule(int port) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/schedules"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).get("schedules").get(0);
    }

    private static void assertOneRunAFire(List<Run> runs) {
        Map<Instant, List<String>> byFire = new java.util.TreeMap<>();
        runs.forEach(r -> byFire.computeIfAbsent(r.fireTime(), k -> new ArrayList<>()).add(r.id()));
        byFire.forEach((at, ids) -> assertEquals(1, ids.size(), at + " has runs " + ids));
    }

    @Test
    void shouldNeverFireTwiceAcrossKillsAndCatchUpTheLatestMissedFireOnce(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path conf = config(dir, port, "1h");

        // 1. Killed once a fire came due, before its run's submission: neither the fire nor its run is written.
        Instant due;
        try (AndonProcess first = AndonProcess.start(AndonProcess.HOME, Map.of(),
                List.of("-Dandon.schedules.due-to-submit-delay=60s"), "serve", "--config", conf.toString())) {
            String line = first.awaitStderrLine(Duration.ofSeconds(90), "is due; its run is submitted in");
            Matcher m = Pattern.compile("fire (\\S+) is due").matcher(line);
            assertTrue(m.find(), line);
            due = Instant.parse(m.group(1));
            first.signal("KILL");
            first.await(Duration.ofSeconds(30));
        }
        assertEquals(List.of(), runs(dir));
        assertEquals(0, firedRows(dir));

        // 2. Restarted: the fire that was due is a fire of the downtime; the latest missed one runs, once.
        Run caughtUp;
        Run rightAfter;
        try (AndonProcess second = serve(conf)) {
            caughtUp = awaitRun(dir, Run::missed);
            assertTrue(!caughtUp.fireTime().isBefore(due), caughtUp + " before " + due);
            // Then it fires on: killed as soon as a later fire's run is committed.
            rightAfter = awaitRun(dir, r -> r.fireTime().isAfter(caughtUp.fireTime()));
            second.signal("KILL");
            second.await(Duration.ofSeconds(30));
        }
        List<Run> beforeThird = runs(dir);
        assertOneRunAFire(beforeThird);
        assertEquals(1, beforeThird.stream().filter(Run::missed).count(), beforeThird.toString());

        // 3. Restarted again: the run killed right after its commit is recovered as interrupted (or
        // had finished), its fire is not fired again, and the schedule fires on.
        try (AndonProcess third = serve(conf)) {
            Run killed = runs(dir).stream().filter(r -> r.id().equals(rightAfter.id())).findFirst().orElseThrow();
            assertNotEquals("RUNNING", killed.status(), killed.toString());
            Instant latestBefore = beforeThird.stream().map(Run::fireTime).max(Instant::compareTo).orElseThrow();
            awaitRun(dir, r -> r.fireTime().isAfter(latestBefore) && !r.missed());
            JsonNode s = schedule(port);
            assertTrue(s.path("counts").path("fired").asLong() >= 3, s.toString());
            third.signal("TERM");
            assertEquals(0, third.await(Duration.ofSeconds(60)).exitCode());
        }
        List<Run> all = runs(dir);
        assertOneRunAFire(all);
        // Each restart caught up one fire at most (its latest missed one), the first restart surely.
        long catchUps = all.stream().filter(Run::missed).count();
        assertTrue(catchUps >= 1 && catchUps <= 2, catchUps + " catch-ups over two restarts: " + all);
        assertEquals(all.size(), firedRows(dir), "one fire row a run");
    }

    @Test
    void shouldRecordMissedFiresAndRunNoneWhenTheCatchUpWindowIsZero(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path conf = config(dir, port, "0s");
        try (AndonProcess first = serve(conf)) {
            awaitRun(dir, r -> true);
            first.signal("KILL");
            first.await(Duration.ofSeconds(30));
        }
        Thread.sleep(4_500); // two fires at least while it is down
        try (AndonProcess second = serve(conf)) {
            JsonNode s = schedule(port);
            assertTrue(s.path("counts").path("missed").asLong() >= 2, s.toString());
            assertTrue(runs(dir).stream().noneMatch(Run::missed), runs(dir).toString());
            second.signal("TERM");
            assertEquals(0, second.await(Duration.ofSeconds(60)).exitCode());
        }
        assertOneRunAFire(runs(dir));
    }
}
