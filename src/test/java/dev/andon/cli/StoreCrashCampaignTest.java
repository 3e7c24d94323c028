package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.andon.call.ProcessTable;
import dev.andon.run.RunStatus;
import dev.andon.store.RunStore;
import dev.andon.store.RunStores;
import dev.andon.store.StoreSettings;
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
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash campaign: {@code andon serve} on one SQLite store, killed with {@code kill -9} again
 * and again at random moments: while HTTP clients submit runs (short ones finishing all the time,
 * long ones whose command trees run, one tree ignoring SIGTERM) and while it recovers from the
 * previous kill (after it marked a run INTERRUPTED, during the kill grace it gives what ignores
 * SIGTERM). After each restart that reaches its ready line: every run that got a 202 from any
 * earlier incarnation is in the store and finished, the store opens and passes SQLite's
 * integrity check, and no process that a previous incarnation started is alive.
 *
 * <p>{@code -Dandon.campaign.kills=N} sets the number of kills (3 by default, to keep the suite
 * short; {@code scripts/soak --crash} runs 20), {@code -Dandon.campaign.seed=S} replays a
 * campaign's random moments. Each restart's figures go to stderr ("campaign: ..." lines).
 */
class StoreCrashCampaignTest {
    private static final Pattern READY = Pattern.compile("(\\d+) interrupted run\\(s\\) recovered, (\\d+) orphan process");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    private final String marker = UUID.randomUUID().toString();
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final List<String> wrongAnswers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    // Every wait inside is bounded; 20 kills on a loaded machine outlast the suite's 5 minutes.
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void shouldKeepEveryAcceptedRunAndLeaveNoProcessBehindAcrossKill9s() throws Exception {
        int kills = Integer.getInteger("andon.campaign.kills", 3);
        long seed = Long.getLong("andon.campaign.seed", System.nanoTime());
        Random random = new Random(seed);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("andon.conf");
        Path db = dir.resolve("store/andon.db");
        String env = "env { ANDON_CAMPAIGN = \"" + marker + "\" }";
        Files.writeString(conf, "include file(\"" + AndonProcess.HOME.resolve("conf/application.conf") + "\")\n"
                + "andon.store.path = \"" + db + "\"\n"
                + "andon.http.port = " + port + "\n"
                + "andon.http.max-live-runs = 10000\n"
                + "andon.jobs.quick.calls = [\n"
                + "  { name = t, kind = command, command = [\"true\"], " + env + " }\n"
                + "  { name = s, kind = sleep, duration = 20ms }\n"
                + "]\n"
                + "andon.jobs.tree {\n"
                + "  kill-grace = 1s\n"
                + "  calls = [\n"
                + "    { name = tree, kind = command, shell = \"sleep 100 & sleep 100; wait\", " + env + " }\n"
                + "    { name = trap, kind = command, shell = \"trap '' TERM; sleep 100; sleep 100\", " + env + " }\n"
                + "  ]\n"
                + "}\n");
        System.err.printf("campaign: %d kills, seed %d (-Dandon.campaign.seed=%d replays it)%n", kills, seed, seed);
        String base = "http://127.0.0.1:" + port;
        int duringRecovery = 0;
        int restarts = 0;
        long orphansStopped = 0;
        try {
            for (int i = 0; i < kills; i++) {
                boolean recoveryKill = i > 0 && random.nextInt(3) == 0;
                long started = System.nanoTime();
                try (AndonProcess serve = AndonProcess.start(AndonProcess.HOME, Map.of(), List.of(), "serve", "--config", conf.toString())) {
                    String line = serve.awaitStderrLine(START_TIMEOUT,
                            l -> (recoveryKill && l.contains("INTERRUPTED (its Andon")) || l.contains("andon serving on"));
                    assertNotNull(line, "andon serve neither recovered a run nor got ready; stderr:\n" + serve.stderr());
                    if (!line.contains("andon serving on")) {
                        // In the middle of recovery: after a run was marked, within the kill grace given to what ignores TERM.
                        Thread.sleep(random.nextInt(1200));
                        kill9(serve);
                        boolean wasReady = serve.stderr().contains("andon serving on");
                        if (!wasReady) duringRecovery++;
                        System.err.printf("campaign: kill %d of %d during recovery%s%n", i + 1, kills,
                                wasReady ? " (it had just got ready)" : "");
                        continue;
                    }
                    restarts++;
                    orphansStopped += check(line, db, started, i);
                    long busy = 300 + random.nextInt(2700);
                    int before = accepted.size();
                    AtomicBoolean stop = new AtomicBoolean();
                    List<Thread> clients = new ArrayList<>();
                    for (int c = 0; c < 4; c++) clients.add(client(base + "/jobs/" + (c == 0 ? "tree" : "quick") + "/runs", stop,
                            c == 0 ? 200 : 0));
                    Thread.sleep(busy);
                    kill9(serve);
                    stop.set(true);
                    for (Thread t : clients) t.join(60_000);
                    assertEquals(List.of(), wrongAnswers, "answers other than 202 while it ran");
                    System.err.printf("campaign: kill %d of %d while busy, %d ms after ready: %d runs accepted by it (%d in all)%n",
                            i + 1, kills, busy, accepted.size() - before, accepted.size());
                }
            }
            long started = System.nanoTime();
            try (AndonProcess serve = AndonProcess.start(AndonProcess.HOME, Map.of(), List.of(), "serve", "--config", conf.toString())) {
                String line = serve.awaitStderrLine(START_TIMEOUT, l -> l.contains("andon serving on"));
                assertNotNull(line, "the last start did not get ready; stderr:\n" + serve.stderr());
                restarts++;
                orphansStopped += check(line, db, started, kills);
                serve.signal("TERM");
                AndonProcess.Result end = serve.await(Duration.ofSeconds(60));
                assertEquals(0, end.exitCode(), end.stderr());
            }
            try (RunStore store = RunStores.open(settings(db))) {
                assertEquals(List.of(), store.unfinished().stream().map(RunStore.StoredRun::id).toList(),
                        "runs left unfinished after a clean stop");
            }
            System.err.printf("campaign: done: %d kills (%d during recovery), %d restarts, %d runs accepted, all found; "
                    + "%d orphan processes stopped by recovery, none left%n", kills, duringRecovery, restarts, accepted.size(),
                    orphansStopped);
            assertTrue(accepted.size() > 0, "no run was accepted");
        } finally {
            killMarked();
        }
    }

    /**
     * What must hold at each ready line: every accepted run stored and finished, the store
     * sound, nothing of a previous incarnation alive. Returns how many orphans it stopped.
     */
    private long check(String readyLine, Path db, long startedNanos, int restart) throws Exception {
        long readyMs = (System.nanoTime() - startedNanos) / 1_000_000;
        Matcher m = READY.matcher(readyLine);
        assertTrue(m.find(), readyLine);
        int interrupted = Integer.parseInt(m.group(1));
        long orphans = Long.parseLong(m.group(2));
        List<Long> alive = awaitNoneMarked(Duration.ofSeconds(15));
        assertEquals(List.of(), alive, "processes of a previous incarnation alive after restart " + restart);
        long found;
        try (RunStore store = RunStores.open(settings(db))) {
            Map<String, RunStatus> status = new java.util.HashMap<>();
            for (RunStore.RunSummary r : store.runs(new RunStore.RunQuery(null, null, 1_000_000, null))) status.put(r.id(), r.status());
            List<String> missing = accepted.stream().filter(id -> !status.containsKey(id)).toList();
            assertEquals(List.of(), missing, "runs that got a 202 and are not in the store after restart " + restart);
            List<String> live = accepted.stream().filter(id -> !status.get(id).isFinal()).toList();
            assertEquals(List.of(), live, "runs of a dead incarnation still not finished after restart " + restart);
            found = accepted.stream().filter(status::containsKey).count();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
            assertTrue(rs.next());
            assertEquals("ok", rs.getString(1), "the SQLite file after restart " + restart);
        }
        System.err.printf("campaign: restart %d: ready in %d ms; %d of %d accepted runs found, %d interrupted, "
                + "%d orphan processes stopped, 0 left%n", restart, readyMs, found, accepted.size(), interrupted, orphans);
        return orphans;
    }

    private static StoreSettings settings(Path db) {
        return StoreSettings.from(ConfigFactory.parseMap(Map.of("andon.store.path", db.toString()))
                .withFallback(ConfigFactory.defaultReference()));
    }

    /** A client posting to {@code uri} until {@code stop}, pausing {@code pauseMillis} between posts. */
    private Thread client(String uri, AtomicBoolean stop, int pauseMillis) {
        HttpRequest post = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                try {
                    HttpResponse<String> r = http.send(post, HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 202) {
                        String body = r.body();
                        int at = body.indexOf("\"id\":\"");
                        accepted.add(body.substring(at + 6, body.indexOf('"', at + 6)));
                    } else {
                        wrongAnswers.add("POST " + uri + ": " + r.statusCode() + " " + r.body());
                    }
                    if (pauseMillis > 0) Thread.sleep(pauseMillis);
                } catch (IOException e) {
                    // killed under it: unknown whether it was accepted, so not counted
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException stopped) {
                        return;
                    }
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "campaign-client");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void kill9(AndonProcess serve) throws InterruptedException {
        serve.process().destroyForcibly();
        assertTrue(serve.process().waitFor(30, TimeUnit.SECONDS), "the killed JVM did not exit");
    }

    /** The live processes carrying this campaign's marker, once none are left or {@code timeout} passed. */
    private List<Long> awaitNoneMarked(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Long> alive;
        do {
            alive = marked();
            if (alive.isEmpty()) return alive;
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        return alive;
    }

    private List<Long> marked() {
        ProcessTable table = ProcessTable.host();
        List<Long> pids = new ArrayList<>();
        for (ProcessTable.Proc p : table.all())
            if (marker.equals(table.environ(p.pid(), "ANDON_CAMPAIGN"))) pids.add(p.pid());
        return pids;
    }

    /** Whatever a failed campaign left. */
    private void killMarked() {
        for (long pid : marked()) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
