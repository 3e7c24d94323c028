package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Clients that never finish their request, over real sockets: each is disconnected once
 * {@code andon.http.request-arrival-timeout} has passed (shortened here, so that the test takes
 * seconds), while {@code /health} keeps answering; an answer that takes longer than that limit is
 * not cut.
 */
class SlowClientsTest {
    private static final Duration LIMIT = Duration.ofSeconds(2);
    /** How late past the limit a close may come on a loaded machine. */
    private static final Duration SLACK = Duration.ofSeconds(10);
    /** Akka HTTP's idle-timeout well above the limit: only the arrival limit can close these. */
    private static final String QUICK = "andon.http.request-arrival-timeout = 2s\nakka.http.server.idle-timeout = 120s\n"
            + "andon.http.sse-heartbeat = 200ms";

    @Test
    void shouldDefaultToThirtySecondsAndAConnectionCeilingAboveTheCrowd() {
        var reference = ConfigFactory.defaultReference();
        assertEquals(Duration.ofSeconds(30), reference.getDuration("andon.http.request-arrival-timeout"));
        assertTrue(reference.getInt("akka.http.server.max-connections") >= 4096,
                "max-connections " + reference.getInt("akka.http.server.max-connections"));
    }

    /** Sockets that each send one byte of an endless request head every {@code interval}. */
    static final class Tricklers implements AutoCloseable {
        final List<SocketChannel> channels = new ArrayList<>();
        final long[] connectedAt;
        final long[] closedAt;
        final StringBuilder[] received;
        private final Selector selector = Selector.open();
        private final byte[] head;

        Tricklers(int port, int n, String head) throws IOException {
            this.head = head.getBytes(StandardCharsets.US_ASCII);
            connectedAt = new long[n];
            closedAt = new long[n];
            received = new StringBuilder[n];
            for (int i = 0; i < n; i++) {
                SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                connectedAt[i] = System.nanoTime();
                c.configureBlocking(false);
                c.register(selector, SelectionKey.OP_READ, i);
                channels.add(c);
                received[i] = new StringBuilder();
            }
        }

        int open() {
            int open = 0;
            for (long t : closedAt) if (t == 0) open++;
            return open;
        }

        /** Sends byte {@code step} of the head to every open socket, and notes which were closed. */
        void step(int step) throws IOException {
            for (int i = 0; i < channels.size(); i++) {
                if (closedAt[i] != 0 || step >= head.length) continue;
                try {
                    channels.get(i).write(ByteBuffer.wrap(head, step, 1));
                } catch (IOException reset) {
                    closedAt[i] = System.nanoTime();
                }
            }
            poll(0);
        }

        void poll(long millis) throws IOException {
            if (millis == 0) selector.selectNow();
            else selector.select(millis);
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            for (SelectionKey key : selector.selectedKeys()) {
                int i = (Integer) key.attachment();
                buffer.clear();
                int read;
                try {
                    read = ((SocketChannel) key.channel()).read(buffer);
                } catch (IOException reset) {
                    read = -1;
                }
                if (read < 0) {
                    if (closedAt[i] == 0) closedAt[i] = System.nanoTime();
                    key.cancel();
                } else {
                    received[i].append(new String(buffer.array(), 0, read, StandardCharsets.ISO_8859_1));
                }
            }
            selector.selectedKeys().clear();
        }

        /** Milliseconds each socket stayed open, longest last. */
        List<Long> lifetimes() {
            List<Long> out = new ArrayList<>();
            for (int i = 0; i < closedAt.length; i++) out.add((closedAt[i] - connectedAt[i]) / 1_000_000);
            Collections.sort(out);
            return out;
        }

        @Override
        public void close() throws IOException {
            for (SocketChannel c : channels) c.close();
            selector.close();
        }
    }

    /** An endless request head: its last header value never ends (8k of it would be refused, in 40 minutes). */
    private static final String ENDLESS_HEAD = "GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + "a".repeat(4000);

    @Test
    void shouldDropTricklersWithinTheLimitWhileHealthAnswers() throws Exception {
        try (TestService service = TestService.start(QUICK);
             Tricklers tricklers = new Tricklers(service.service.address().getPort(), 400, ENDLESS_HEAD)) {
            List<Long> health = new ArrayList<>();
            long deadline = System.nanoTime() + LIMIT.plus(SLACK).plus(SLACK).toNanos();
            for (int step = 0; tricklers.open() > 0 && System.nanoTime() < deadline; step++) {
                tricklers.step(step);
                long start = System.nanoTime();
                HttpResponse<String> r = service.get("/health");
                health.add((System.nanoTime() - start) / 1_000_000);
                assertEquals(200, r.statusCode(), r.body());
                tricklers.poll(200);
            }
            List<Long> lifetimes = tricklers.lifetimes();
            Collections.sort(health);
            System.out.printf("400 tricklers: open for %d..%d ms (limit %d ms); /health median %d ms, max %d ms of %d%n",
                    lifetimes.get(0), lifetimes.get(lifetimes.size() - 1), LIMIT.toMillis(),
                    health.get(health.size() / 2), health.get(health.size() - 1), health.size());
            assertEquals(0, tricklers.open(), "tricklers still connected past the limit");
            assertTrue(lifetimes.get(0) >= LIMIT.toMillis() - 50, "closed before the limit: " + lifetimes.get(0) + " ms");
            assertTrue(lifetimes.get(lifetimes.size() - 1) <= LIMIT.plus(SLACK).toMillis(), "open for " + lifetimes);
            assertTrue(health.get(health.size() / 2) < 1000, "/health took " + health);
            for (StringBuilder r : tricklers.received) assertEquals("", r.toString(), "a head never finished got an answer");
        }
    }

    /** Akka's default max-connections (1024) kept /health in the listen backlog behind 1,100 of them. */
    @Test
    void shouldAnswerHealthWhileElevenHundredTricklersAreConnected() throws Exception {
        try (TestService service = TestService.start("andon.http.request-arrival-timeout = 60s");
             Tricklers tricklers = new Tricklers(service.service.address().getPort(), 1100, ENDLESS_HEAD)) {
            for (int step = 0; step < 3; step++) {
                tricklers.step(step);
                long start = System.nanoTime();
                HttpResponse<String> r = service.send(service.request("/health").timeout(Duration.ofSeconds(30)).GET().build());
                long took = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("/health with 1,100 tricklers connected: %d ms%n", took);
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(1100, tricklers.open(), "a trickler was dropped before its time");
                assertTrue(took < 10_000, "/health took " + took + " ms");
            }
        }
    }

    /** The partial-request corpus: each file a request that stops short, and what its client gets before it is closed. */
    static final Path PARTIAL = Path.of(System.getProperty("andon.home", "."), "src/test/resources/corpus/http-partial");

    /** A partial request: its bytes (lines end in CRLF), and what it gets: nothing, or an answer of {@code status}. */
    record Partial(String name, String request, int status, String text) {
        static Partial parse(Path file) throws IOException {
            List<String> lines = new ArrayList<>(List.of(Files.readString(file, StandardCharsets.UTF_8).split("\n", -1)));
            String expect = null;
            while (!lines.isEmpty() && lines.get(0).startsWith("#")) {
                String line = lines.remove(0);
                if (line.startsWith("# expect: ")) expect = line.substring(10).trim();
            }
            if (expect == null) throw new AssertionError(file + " has no '# expect:' line");
            String request = String.join("\r\n", lines);
            if (expect.equals("closed")) return new Partial(file.getFileName().toString(), request, 0, "");
            String[] e = expect.replace(" then closed", "").split(" ", 2);
            return new Partial(file.getFileName().toString(), request, Integer.parseInt(e[0]), e.length > 1 ? e[1] : "");
        }
    }

    @Test
    void shouldCloseEveryPartialRequestOfTheCorpusOnceTheLimitHasPassed() throws Exception {
        List<Partial> corpus = new ArrayList<>();
        try (var files = Files.list(PARTIAL)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".partial")).sorted().toList()) corpus.add(Partial.parse(f));
        }
        assertTrue(corpus.size() >= 7, "the corpus shrank: " + corpus.size());
        try (TestService service = TestService.start(QUICK)) {
            int port = service.service.address().getPort();
            int each = 50 / corpus.size() + 1; // some 50 partial requests at once
            List<Tricklers> clients = new ArrayList<>();
            try {
                for (Partial p : corpus) {
                    Tricklers t = new Tricklers(port, each, p.request());
                    for (int step = 0; step < p.request().length(); step++) t.step(step); // all at once, then silence
                    clients.add(t);
                }
                long deadline = System.nanoTime() + LIMIT.plus(SLACK).plus(SLACK).toNanos();
                while (clients.stream().anyMatch(t -> t.open() > 0) && System.nanoTime() < deadline) {
                    for (Tricklers t : clients) t.poll(10);
                    assertEquals(200, service.get("/health").statusCode());
                }
                for (int k = 0; k < corpus.size(); k++) {
                    Partial p = corpus.get(k);
                    Tricklers t = clients.get(k);
                    List<Long> lifetimes = t.lifetimes();
                    System.out.printf("%s: open for %s ms%n", p.name(), lifetimes);
                    assertEquals(0, t.open(), p.name() + ": still connected");
                    assertTrue(lifetimes.get(0) >= LIMIT.toMillis() - 50, p.name() + ": closed before the limit: " + lifetimes);
                    assertTrue(lifetimes.get(lifetimes.size() - 1) <= LIMIT.plus(SLACK).toMillis(), p.name() + ": open for " + lifetimes);
                    for (StringBuilder r : t.received) {
                        String answer = r.toString();
                        if (p.status() == 0) {
                            assertEquals("", answer, p.name() + ": a request that never arrived got an answer");
                            continue;
                        }
                        assertTrue(answer.startsWith("HTTP/1.1 " + p.status() + " "), p.name() + ": " + answer);
                        assertTrue(answer.contains(p.text()), p.name() + ": '" + p.text() + "' in " + answer);
                        if (p.status() == 408) assertTrue(answer.contains("Connection: close\r\n"), p.name() + ": " + answer);
                        assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, p.name() + ": one answer: " + answer);
                    }
                }
            } finally {
                for (Tricklers t : clients) t.close();
            }
            assertEquals(0, TestService.json(service.get("/runs")).get("runs").size(), "a run appeared");
            assertEquals("UP", TestService.json(service.get("/health")).get("status").asText());
        }
    }

    @Test
    void shouldKeepAConnectionThatSendsWholeRequestsAndAnAnswerLongerThanTheLimit() throws Exception {
        try (TestService service = TestService.start(QUICK);
             Socket socket = new Socket("127.0.0.1", service.service.address().getPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // Three requests on one connection, each sent whole within the limit, over 1.5 limits.
            for (int i = 0; i < 3; i++) {
                out.write("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200 OK"), head);
                int length = Integer.parseInt(head.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                assertEquals(length, in.readNBytes(length).length);
                Thread.sleep(LIMIT.toMillis() / 2);
            }
            // An event stream is an answer that lasts: it outlives the limit twice over.
            String id = service.startJob("slow");
            out.write(("GET /runs/" + id + "/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertTrue(readHead(in).startsWith("HTTP/1.1 200 OK"));
            long start = System.nanoTime();
            int heartbeatsLate = 0;
            byte[] buffer = new byte[4096];
            while (System.nanoTime() - start < LIMIT.multipliedBy(2).toNanos()) {
                int n = in.read(buffer);
                assertTrue(n > 0, "the event stream was cut after " + (System.nanoTime() - start) / 1_000_000 + " ms");
                if (System.nanoTime() - start > LIMIT.toNanos() && new String(buffer, 0, n, StandardCharsets.UTF_8).contains(":"))
                    heartbeatsLate++;
            }
            assertTrue(heartbeatsLate > 0);
            service.post("/runs/" + id + "/abort", "");
            service.awaitFinished(id, Duration.ofSeconds(20));
        }
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed after " + head);
            head.append((char) b);
        }
        return head.toString();
    }
}
