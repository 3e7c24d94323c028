package dev.andon.service;

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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A client of {@code GET /events}, a stream that does not end: read on a thread of its own. */
final class ServiceEvents implements AutoCloseable {
    private final LinkedBlockingQueue<TestService.Sse> events = new LinkedBlockingQueue<>();
    private final InputStream body;

    private ServiceEvents(InputStream body) {
        this.body = body;
        Thread reader = new Thread(this::read, "test-service-events");
        reader.setDaemon(true);
        reader.start();
    }

    static ServiceEvents open(TestService server, String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder b = server.request("/events").header("Accept", "text/event-stream");
        if (lastEventId != null) b.header("Last-Event-ID", lastEventId);
        HttpResponse<InputStream> r = server.http.send(b.GET().timeout(Duration.ofMinutes(5)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) throw new AssertionError("GET /events: " + r.statusCode());
        return new ServiceEvents(r.body());
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            TestService.SseLines parser = new TestService.SseLines(events::add);
            for (String line; (line = in.readLine()) != null; ) parser.line(line);
        } catch (IOException e) {
            // closed
        }
    }

    /** The events until (and with) the first that {@code last} accepts. */
    List<TestService.Sse> awaitUntil(Predicate<TestService.Sse> last, Duration within) throws InterruptedException {
        List<TestService.Sse> out = new ArrayList<>();
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            TestService.Sse e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (e == null) throw new AssertionError("no such event within " + within + "; saw " + out);
            out.add(e);
            if (last.test(e)) return out;
        }
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
