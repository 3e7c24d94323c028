package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.call.BlockingCall;
import dev.andon.config.CallSettings;
import dev.andon.config.ConfigBlock;
import dev.andon.config.KindContext;
import dev.andon.config.KindParser;
import dev.andon.config.Kinds;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A run's event stream resumed with {@code Last-Event-ID}: clients cut at random points (between
 * events and in the middle of one) and back at once get, over all their connections, every event
 * exactly once and in order, the same as a client never cut — while the run interleaves progress,
 * heartbeats and output lines (the events the service does not keep for the run's whole life)
 * with calls starting and finishing. And a client back after more passing events than the service
 * keeps gets, in order, every event that changes the run and each running call's latest state.
 */
class RunEventResumeTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** What the chatter calls of the current run wait for: to start talking, and to stop. */
    private static volatile CountDownLatch go = new CountDownLatch(1);
    private static volatile CountDownLatch stop = new CountDownLatch(1);
    /** How many rounds of progress, heartbeat and output line each chatter call makes before it waits for stop (0: none). */
    private static volatile int burst;

    /**
     * {@code kind = chatter}: once told to go, reports progress, a heartbeat and an output line
     * every {@code pause-ms} (or {@link #burst} rounds at once) until told to stop.
     */
    private static final class ChatterKind implements KindParser {
        @Override
        public String kind() {
            return "chatter";
        }

        @Override
        public Set<String> keys() {
            return Set.of("pause-ms");
        }

        @Override
        public BlockingCall<?> parse(ConfigBlock call, CallSettings settings, KindContext ctx) {
            long pause = call.has("pause-ms") ? call.integer("pause-ms", 1) : 5;
            return work -> {
                CountDownLatch started = go;
                CountDownLatch stopped = stop;
                started.await();
                int i = 0;
                if (burst > 0) {
                    for (; i < burst; i++) {
                        work.progress("step " + i);
                        work.heartbeat();
                        work.output("stdout", work.callName() + " line " + i);
                    }
                    stopped.await();
                    return i;
                }
                while (!stopped.await(pause, TimeUnit.MILLISECONDS)) {
                    work.progress("step " + i);
                    work.heartbeat();
                    work.output(i % 3 == 0 ? "stderr" : "stdout", work.callName() + " line " + i);
                    i++;
                }
                return i;
            };
        }
    }

    private static Kinds withChatter() {
        List<KindParser> parsers = new ArrayList<>();
        Kinds standard = Kinds.standard();
        standard.names().forEach(n -> parsers.add(standard.get(n)));
        parsers.add(new ChatterKind());
        return new Kinds(parsers);
    }

    private static final String JOBS = """
            andon.events.max-output-lines-per-second = 100000
            andon.jobs.chatty {
              max-parallelism = 16
              heartbeat-timeout = 10m
              calls = [
                { name = p1, kind = chatter, pause-ms = 5 }
                { name = p2, kind = chatter, pause-ms = 11 }
                { name = p3, kind = chatter, pause-ms = 17 }
                { name = s1, kind = sleep, duration = 200ms }
                { name = s2, kind = sleep, duration = 500ms }
                { name = s3, kind = sleep, duration = 900ms }
                { name = s4, kind = sleep, duration = 1300ms }
                { name = s5, kind = sleep, duration = 1700ms }
                { name = s6, kind = sleep, duration = 2100ms }
              ]
            }
            """;

    /** One connection's worth of a stream: the events read whole, then a cut (or its end). */
    private record Read(List<TestService.Sse> events, boolean ended) {
    }

    /**
     * Reads run {@code id}'s events after {@code lastId} (null: from the start), at most
     * {@code limit} of them (0: all) and then, when {@code partial}, a line or two of the next
     * one, and cuts the connection (closes it).
     */
    private static Read read(TestService server, String id, String lastId, int limit, int partialLines) throws Exception {
        return read(server, id, lastId, limit, partialLines, e -> { });
    }

    /** As above, telling {@code seen} each event as it is read. */
    private static Read read(TestService server, String id, String lastId, int limit, int partialLines,
                             java.util.function.Consumer<TestService.Sse> seen) throws Exception {
        HttpRequest.Builder b = server.request("/runs/" + id + "/events").header("Accept", "text/event-stream");
        if (lastId != null) b.header("Last-Event-ID", lastId);
        HttpResponse<InputStream> r = server.http.send(b.GET().timeout(Duration.ofMinutes(2)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode(), "events of " + id + " after " + lastId);
        List<TestService.Sse> out = new ArrayList<>();
        try (InputStream body = r.body();
             BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            TestService.SseLines parser = new TestService.SseLines(e -> {
                out.add(e);
                seen.accept(e);
            });
            int linesOfNext = -1;
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    if (linesOfNext >= 0 && !line.isEmpty() && ++linesOfNext > partialLines) return new Read(out, false);
                    parser.line(line);
                    if (limit > 0 && out.size() == limit && linesOfNext < 0) {
                        if (partialLines == 0) return new Read(out, false);
                        linesOfNext = 0;
                    }
                }
            } catch (IOException e) {
                return new Read(out, false); // the service cut it (a client too slow): resume as after any cut
            }
            return new Read(out, true);
        }
    }

    /** A client that cuts its connection every few events, at random, and resumes after the last event it read whole. */
    private static List<TestService.Sse> cuttingClient(TestService server, String id, long seed, int[] cuts) throws Exception {
        Random random = new Random(seed);
        List<TestService.Sse> all = new ArrayList<>();
        String lastId = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            int limit = 1 + random.nextInt(random.nextBoolean() ? 8 : 120);
            Read r = read(server, id, lastId, limit, random.nextInt(3));
            all.addAll(r.events());
            if (!r.events().isEmpty()) lastId = r.events().get(r.events().size() - 1).id();
            if (!r.events().isEmpty() && r.events().get(r.events().size() - 1).type().equals("run-finished")) return all;
            if (r.ended()) throw new AssertionError("the stream ended before run-finished, after " + lastId);
            cuts[0]++;
        }
        throw new AssertionError("no run-finished within " + WAIT + "; last " + lastId);
    }

    /** Where {@code got} and {@code told} part, with a few events either side. */
    private static String difference(List<TestService.Sse> got, List<TestService.Sse> told) {
        int i = 0;
        while (i < got.size() && i < told.size() && got.get(i).equals(told.get(i))) i++;
        int from = Math.max(0, i - 5);
        return "first difference at event " + i + ":\n  got  ..." + describe(got.subList(Math.min(from, got.size()), Math.min(i + 5, got.size())))
                + (i < got.size() ? "\n  got there " + got.get(i) : "") + (i < told.size() ? "\n  told there " + told.get(i) : "")
                + "\n  told ..." + describe(told.subList(Math.min(from, told.size()), Math.min(i + 5, told.size())))
                + "\n  got ends ..." + describe(got.subList(Math.max(0, got.size() - 5), got.size()));
    }

    private static String describe(List<TestService.Sse> events) {
        return events.stream().map(e -> e.id() + ":" + e.type()).collect(Collectors.joining(" "));
    }

    @Test
    void shouldGiveAClientCutAtRandomEveryEventExactlyOnceInOrder() throws Exception {
        long seed = Long.getLong("resume.seed", System.nanoTime());
        System.out.println("RunEventResumeTest seed " + seed + " (-Dresume.seed to repeat)");
        Random seeds = new Random(seed);
        ExecutorService pool = Executors.newCachedThreadPool();
        // Room for every passing event of a run: this client's cuts are short, and so is its replay (the next case is the long one).
        try (TestService server = TestService.start("andon.http.sse-buffer = 50000\n" + JOBS, withChatter())) {
            for (int repetition = 0; repetition < 3; repetition++) {
                go = new CountDownLatch(1);
                stop = new CountDownLatch(1);
                burst = 0;
                String id = server.startJob("chatty");
                Future<List<TestService.Sse>> whole = pool.submit(() -> server.events(id));
                int clients = 6;
                int[][] cuts = new int[clients][1];
                List<Future<List<TestService.Sse>>> cutting = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    long s = seeds.nextLong();
                    int[] counter = cuts[c];
                    cutting.add(pool.submit(() -> cuttingClient(server, id, s, counter)));
                }
                go.countDown();
                // Talk until the sleeps are done and every client has been cut a good many times.
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (System.nanoTime() < deadline) {
                    int least = Integer.MAX_VALUE;
                    for (int[] n : cuts) least = Math.min(least, n[0]);
                    boolean sleepsDone = TestService.texts(TestService.json(server.get("/runs/" + id)).path("calls"), "status")
                            .stream().filter(st -> st.equals("SUCCEEDED")).count() == 6;
                    if (least >= 20 && sleepsDone) break;
                    Thread.sleep(50);
                }
                stop.countDown();

                List<TestService.Sse> reference = whole.get(WAIT.toSeconds(), TimeUnit.SECONDS);
                // Every event is numbered, heartbeats and output lines too, from 1 without a gap.
                for (int i = 0; i < reference.size(); i++)
                    assertEquals(Integer.toString(i + 1), reference.get(i).id(), "the uncut client's event " + i);
                Map<String, Long> kinds = reference.stream().collect(Collectors.groupingBy(TestService.Sse::type, TreeMap::new, Collectors.counting()));
                // (Heartbeats are told at most once a second per call.)
                Map<String, Long> least = Map.of("call-progressed", 20L, "call-output", 20L, "call-heartbeat", 2L, "call-finished", 8L);
                least.forEach((kind, n) -> assertTrue(kinds.getOrDefault(kind, 0L) > n, "interleaved " + kind + ": " + kinds));
                for (int c = 0; c < clients; c++) {
                    List<TestService.Sse> got = cutting.get(c).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                    if (!got.equals(reference))
                        throw new AssertionError("client " + c + " of run " + id + " (" + cuts[c][0] + " cuts) got "
                                + got.size() + " events, not the " + reference.size() + " told; " + difference(got, reference));
                }
                System.out.printf("RunEventResumeTest: run %d: %d events %s, %d clients cut %s times, each got every one once in order%n",
                        repetition + 1, reference.size(), kinds, clients,
                        java.util.Arrays.stream(cuts).map(n -> Integer.toString(n[0])).collect(Collectors.joining("/")));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldGiveAClientBackAfterMorePassingEventsThanKeptEveryEventOfTheRunAndTheLatestState() throws Exception {
        // 3 chatter calls of 400 rounds each (progress, heartbeat, output) with no client listening:
        // far more passing events than the 64 kept.
        go = new CountDownLatch(1);
        stop = new CountDownLatch(1);
        burst = 400;
        try (TestService server = TestService.start("andon.http.sse-buffer = 64\nandon.events.retained-output-lines = 5\n" + JOBS, withChatter())) {
            String id = server.startJob("chatty");
            List<TestService.Sse> first = read(server, id, null, 1, 0).events();
            assertEquals("run-started", first.get(0).type(), describe(first));
            go.countDown();
            // Every chatter call has made its last round, and every sleep has finished.
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                var calls = TestService.json(server.get("/runs/" + id)).path("calls");
                long talked = 0;
                long slept = 0;
                for (var c : calls) {
                    if (c.path("progress").asText().equals("step " + (burst - 1))) talked++;
                    if (c.path("status").asText().equals("SUCCEEDED")) slept++;
                }
                if (talked == 3 && slept == 6) break;
                if (System.nanoTime() > deadline) throw new AssertionError("the calls did not talk and sleep: " + calls);
                Thread.sleep(20);
            }
            // Back: the calls wait (their last lines being the newest passing events) until it has them.
            Set<String> lastLines = new java.util.concurrent.ConcurrentSkipListSet<>();
            Future<Read> reading = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "resume-test-reader");
                t.setDaemon(true);
                return t;
            }).submit(() -> read(server, id, first.get(0).id(), 0, 0, e -> {
                for (String call : List.of("p1", "p2", "p3"))
                    if (e.type().equals("call-output") && e.data().contains(call + " line " + (burst - 1))) lastLines.add(call);
            }));
            long until = System.nanoTime() + WAIT.toNanos();
            while (lastLines.size() < 3 && System.nanoTime() < until) Thread.sleep(10);
            stop.countDown();
            List<TestService.Sse> back = reading.get(WAIT.toSeconds(), TimeUnit.SECONDS).events();
            assertEquals(Set.of("p1", "p2", "p3"), lastLines, "each call's last line in the replay: " + describe(back));
            List<TestService.Sse> whole = server.events(id);

            // In order, no event twice, every event that changes the run there.
            for (int i = 1; i < back.size(); i++)
                assertTrue(Integer.parseInt(back.get(i).id()) > Integer.parseInt(back.get(i - 1).id()), "in order: " + describe(back));
            Set<String> passing = Set.of("call-progressed", "call-heartbeat", "call-output");
            List<TestService.Sse> kept = whole.stream().filter(e -> !passing.contains(e.type()) && !e.id().equals("1")).toList();
            assertEquals(kept, back.stream().filter(e -> !passing.contains(e.type())).toList(), "every kept event after 1");
            // Each running call's latest progress and its last output lines, as they were told.
            for (String call : List.of("p1", "p2", "p3")) {
                assertTrue(back.stream().anyMatch(e -> e.type().equals("call-progressed") && e.data().contains("\"step " + (burst - 1) + "\"")
                        && e.data().contains("\"call\":\"" + call + "\"")), call + "'s latest progress: " + describe(back));
                for (int line = burst - 5; line < burst; line++) {
                    String text = call + " line " + line;
                    assertTrue(back.stream().anyMatch(e -> e.type().equals("call-output") && e.data().contains(text)), text + ": " + describe(back));
                }
            }
            // Nothing that was not told, and nothing superseded in the older part.
            long progressed = back.stream().filter(e -> e.type().equals("call-progressed")).count();
            assertTrue(progressed <= 3 + 64, progressed + " progress events: " + describe(back));
            assertTrue(back.size() < 64 + 3 + 15 + kept.size() + 1, back.size() + " events: " + describe(back));
        }
    }
}
