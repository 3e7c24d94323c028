package dev.andon.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Kinds;
import dev.andon.config.Problems;
import dev.andon.run.ReportJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An Andon service bound on a free loopback port for a test class, with a real
 * {@code java.net.http} client, and the few helpers the tests share.
 */
final class TestService implements AutoCloseable {
    private static final AtomicInteger SYSTEMS = new AtomicInteger();

    /** Catalog jobs every test server has. */
    static final String JOBS = """
            andon.jobs {
              quick { calls = [ { name = a, kind = sleep, duration = 10ms }, { name = b, kind = sleep, duration = 20ms } ] }
              slow { abort-grace = 2s, calls = [ { name = s1, kind = sleep, duration = 60s }, { name = s2, kind = sleep, duration = 60s } ] }
              failing {
                calls = [
                  { name = ok, kind = sleep, duration = 0s }
                  { name = bad, kind = sleep, duration = 100ms, fail = "boom" }
                  { name = long, kind = sleep, duration = 60s }
                ]
              }
            }
            """;

    final Andon andon;
    final AndonService service;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String base;
    private final String token;

    private TestService(Andon andon, AndonService service, String token) {
        this.andon = andon;
        this.service = service;
        this.base = "http://127.0.0.1:" + service.address().getPort();
        this.token = token;
        watchDeadLetters();
    }

    /** Starts Andon and the service with {@code overrides} (HOCON) over {@link #JOBS} and the defaults. */
    static TestService start(String overrides) {
        return start(overrides, Kinds.standard());
    }

    /** As {@link #start(String)}, with {@code kinds} for the catalog and posted jobs alike. */
    static TestService start(String overrides, Kinds kinds) {
        return start(overrides, kinds, dev.andon.store.RunStore.NONE);
    }

    /** As {@link #start(String)}, recording every run in {@code store}. */
    static TestService start(String overrides, dev.andon.store.RunStore store) {
        return start(overrides, Kinds.standard(), store);
    }

    private static TestService start(String overrides, Kinds kinds, dev.andon.store.RunStore store) {
        Config config = ConfigFactory.parseString(overrides)
                .withFallback(ConfigFactory.parseString(JOBS))
                .withFallback(ConfigFactory.parseString("andon.http.port = 0"))
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
        Andon[] holder = new Andon[1];
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(config, new KindContext(config, () -> holder[0].httpClient().get()), kinds, problems);
        if (!problems.isEmpty()) throw new IllegalArgumentException("test config: " + problems.list());
        holder[0] = Andon.start(config, "service-test-" + SYSTEMS.incrementAndGet(), store);
        ServiceSettings settings = ServiceSettings.from(config);
        AndonService service = AndonService.start(holder[0], catalog, settings).toCompletableFuture().join();
        return new TestService(holder[0], service, settings.authToken());
    }

    HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
        if (!token.isEmpty()) b.header("Authorization", "Bearer " + token);
        return b;
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(request + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    HttpResponse<String> post(String path, String body) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** Starts a run of a catalog job and returns its id. */
    String startJob(String job) {
        HttpResponse<String> r = post("/jobs/" + job + "/runs", "");
        if (r.statusCode() != 202) throw new AssertionError("POST /jobs/" + job + "/runs: " + r.statusCode() + " " + r.body());
        return json(r).get("id").asText();
    }

    /** Polls {@code GET /runs/{id}} until the run has its outcome; returns the report. */
    JsonNode awaitFinished(String id, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            JsonNode report = json(get("/runs/" + id));
            String status = report.path("status").asText();
            if (!status.equals("RUNNING") && !status.equals("ABORTING")) return report;
            if (System.nanoTime() > deadline) throw new AssertionError("run " + id + " still " + status + ": " + abbreviated(report));
            sleep(20);
        }
    }

    /** Polls until {@code calls} of run {@code id} are RUNNING. */
    JsonNode awaitRunning(String id, int calls) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            JsonNode report = json(get("/runs/" + id));
            int running = 0;
            for (JsonNode c : report.path("calls")) if (c.path("status").asText().equals("RUNNING")) running++;
            if (running >= calls) return report;
            if (System.nanoTime() > deadline) throw new AssertionError("run " + id + " has not " + calls + " calls running: " + abbreviated(report));
            sleep(10);
        }
    }

    /** One Server-Sent Event. */
    record Sse(String id, String type, String data) {
    }

    /** Reads a Server-Sent Events stream line by line, handing on each event. */
    static final class SseLines {
        private final java.util.function.Consumer<Sse> sink;
        private String id;
        private String type;
        private final StringBuilder data = new StringBuilder();

        SseLines(java.util.function.Consumer<Sse> sink) {
            this.sink = sink;
        }

        void line(String line) {
            if (line.isEmpty()) {
                if (type != null) sink.accept(new Sse(id, type, data.toString()));
                id = null;
                type = null;
                data.setLength(0);
            } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                type = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                data.append(line.substring(5).trim());
            }
        }
    }

    /** Reads the events of run {@code id} until the server ends the stream. */
    List<Sse> events(String id) {
        return events(id, null);
    }

    /** As {@link #events(String)}, reconnecting after event {@code lastEventId} if not null. */
    List<Sse> events(String id, String lastEventId) {
        HttpRequest.Builder b = request("/runs/" + id + "/events").header("Accept", "text/event-stream");
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        HttpRequest request = b.GET().build();
        try {
            HttpResponse<Stream<String>> r = http.send(request, HttpResponse.BodyHandlers.ofLines());
            if (r.statusCode() != 200) throw new AssertionError("events of " + id + ": " + r.statusCode());
            if (!r.headers().firstValue("Content-Type").orElse("").equals("text/event-stream"))
                throw new AssertionError("not an event stream: " + r.headers());
            List<Sse> out = new ArrayList<>();
            SseLines parser = new SseLines(out::add);
            for (String line : (Iterable<String>) r.body()::iterator) parser.line(line);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String abbreviated(JsonNode report) {
        String text = report.toString();
        return text.length() <= 2000 ? text : text.substring(0, 2000) + "...";
    }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return ReportJson.mapper().readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }

    static JsonNode jsonText(String text) {
        try {
            return ReportJson.mapper().readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asText()));
        return out;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        andon.shutdown().toCompletableFuture().join();
        andon.whenTerminated().toCompletableFuture().join();
        if (!deadLetters.isEmpty()) throw new AssertionError(deadLetters.size() + " dead letter(s): " + deadLetters);
    }

    /**
     * Every dead letter of the service's actor system, logged or not (Akka logs only the first 10,
     * at INFO, and none during shutdown): the service promises none, and {@link #close} fails on one.
     */
    final List<String> deadLetters = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void watchDeadLetters() {
        var system = andon.system();
        akka.actor.typed.ActorRef<Object> watch = system.systemActorOf(akka.actor.typed.javadsl.Behaviors.receive(Object.class)
                .onAnyMessage(m -> {
                    if (!isTcpLayersOwn(m)) deadLetters.add(String.valueOf(m));
                    return akka.actor.typed.javadsl.Behaviors.same();
                }).build(), "test-dead-letter-watch", akka.actor.typed.Props.empty());
        system.eventStream().tell(new akka.actor.typed.eventstream.EventStream.Subscribe<>(akka.actor.DeadLetter.class, watch.narrow()));
        system.eventStream().tell(new akka.actor.typed.eventstream.EventStream.Subscribe<>(akka.actor.Dropped.class, watch.narrow()));
    }

    /**
     * A dead letter between Akka's TCP layer and its own connection actors (a {@code Write},
     * {@code Register} or {@code Unregistered} to a connection that a client's close or reset has
     * already stopped, under {@code /system/IO-TCP}): Akka's socket bookkeeping racing a peer
     * that went away, not a message of Andon's, and not one Andon could deliver. Likewise the
     * event stream's own bookkeeping as the system stops: an {@code UnregisterIfNoMoreSubscribedChannels}
     * to its {@code /system/eventStreamUnsubscriber-N} that has already stopped (seen once in
     * {@code ConsoleApiTest}'s close). Anything else counts.
     */
    private static boolean isTcpLayersOwn(Object m) {
        if (!(m instanceof akka.actor.DeadLetter d)) return false;
        String to = d.recipient().path().toStringWithoutAddress();
        return to.startsWith("/system/IO-TCP/")
                || to.startsWith("/system/eventStreamUnsubscriber")
                        && d.message().getClass().getName().endsWith("UnregisterIfNoMoreSubscribedChannels");
    }
}
