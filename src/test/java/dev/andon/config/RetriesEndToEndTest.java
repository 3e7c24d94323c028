package dev.andon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Retries with real failures, from a catalog through the engine: a command that fails once with a
 * retryable exit code, and an HTTP endpoint that answers 503 once, end SUCCEEDED on their second
 * attempt; a failure not named in {@code retry.on} is not retried.
 */
class RetriesEndToEndTest {

    @Test
    void shouldRetryRealCommandAndHttpFailuresNamedInOn() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger hits = new AtomicInteger();
        server.createContext("/flaky", exchange -> {
            int status = hits.incrementAndGet() == 1 ? 503 : 200;
            byte[] body = ("hit " + hits.get()).getBytes();
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        Path mark = Files.createTempDirectory("andon-retry").resolve("failed-once");
        String jobs = """
                andon.jobs.retries {
                  failure-policy = all-settled
                  calls = [
                    { name = command-once, kind = command,
                      shell = "if [ -f '%s' ]; then echo ok; else touch '%s'; echo busy >&2; exit 75; fi",
                      retry { attempts = 3, backoff = 10ms, on = ["exit=75"] } }
                    { name = command-other, kind = command, shell = "exit 3",
                      retry { attempts = 3, backoff = 10ms, on = ["exit=75"] } }
                    { name = http-once, kind = http, url = "http://127.0.0.1:%d/flaky",
                      retry { attempts = 3, backoff = 10ms, on = ["status=5xx"] } }
                  ]
                }
                """.formatted(mark, mark, server.getAddress().getPort());
        Config config = ConfigFactory.parseString(jobs).withFallback(ConfigFactory.load()).resolve();
        Andon andon = Andon.start(config, "retries-e2e");
        try {
            Problems problems = new Problems();
            Catalog catalog = Catalog.load(config, new KindContext(config, andon.httpClient()), problems);
            assertEquals(java.util.List.of(), problems.list());
            RunReport r = andon.submit(catalog.entry("retries").orElseThrow().spec()).report()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);

            CallReport once = r.call("command-once");
            assertEquals(CallStatus.SUCCEEDED, once.status(), once.toString());
            assertEquals(2, once.attempts());
            CallReport other = r.call("command-other");
            assertEquals(CallStatus.FAILED, other.status(), other.toString());
            assertEquals(1, other.attempts(), "exit 3 is not in retry.on");
            assertTrue(other.error().contains("exit 3"), other.error());
            CallReport http = r.call("http-once");
            assertEquals(CallStatus.SUCCEEDED, http.status(), http.toString());
            assertEquals(2, http.attempts());
            assertEquals(200, ((Number) http.details().get("status")).intValue());
            assertEquals(2, hits.get());
        } finally {
            andon.close();
            server.stop(0);
        }
    }
}
