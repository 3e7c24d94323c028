package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code heartbeat-timeout} on real work, in real time: a command's lines of output and an HTTP
 * response's chunks are heartbeats, so each call lives while it talks and is timed out once it
 * goes silent for longer than its limit.
 */
class HeartbeatProcessTest {

    private static Andon andon;

    @BeforeAll
    static void start() {
        andon = Andon.start(ConfigFactory.load(), "heartbeat-process-test");
    }

    @AfterAll
    static void stop() {
        andon.close();
    }

    private static RunReport run(String hocon, String job) throws Exception {
        Config config = ConfigFactory.parseString(hocon).withFallback(ConfigFactory.load()).resolve();
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(config, new KindContext(config, andon.httpClient(), andon::jdbcPools), problems);
        assertEquals(List.of(), problems.list());
        return andon.submit(catalog.entry(job).orElseThrow().spec()).report().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void shouldKeepACommandAliveWhileItPrintsAndTimeItOutOnceItGoesSilent() throws Exception {
        RunReport r = run("""
                andon.jobs.talker.calls = [
                  { name = talker, kind = command, heartbeat-timeout = 1s,
                    shell = "for i in 1 2 3 4 5 6 7 8 9 10; do echo tick $i; sleep 0.3; done; echo done talking; sleep 60" }
                ]
                """, "talker");
        CallReport c = r.call("talker");
        assertEquals(CallStatus.TIMED_OUT, c.status(), c.toString());
        assertTrue(c.error().startsWith("java.util.concurrent.TimeoutException: no heartbeat for 1s"), c.error());
        assertTrue(((String) c.details().get("stdoutTail")).contains("done talking"),
                "it talked for 3 s, three times its limit, unharmed: " + c.details());
        assertTrue(c.durationMillis() >= 3500, "3 s of talk, then 1 s of silence: " + c.durationMillis());
    }

    @Test
    void shouldKeepAnHttpCallAliveWhileItsBodyArrivesAndTimeItOutOnceItStalls() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ExecutorService handlers = Executors.newCachedThreadPool();
        server.setExecutor(handlers);
        server.createContext("/ping", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.createContext("/trickle", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream body = exchange.getResponseBody();
            try {
                for (int i = 1; i <= 10; i++) {
                    body.write(("chunk " + i + "\n").getBytes(StandardCharsets.UTF_8));
                    body.flush();
                    Thread.sleep(300);
                }
                Thread.sleep(60_000); // stalls, the response still open
            } catch (InterruptedException | java.io.IOException e) {
                // the test is over, or the client went away
            }
            exchange.close();
        });
        server.start();
        try {
            // The JDK's HTTP client takes a second or more to load on its first request: not the
            // silence this test is about.
            java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ping")).build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding());
            RunReport r = run("""
                    andon.jobs.slow-body.calls = [
                      { name = fetch, kind = http, heartbeat-timeout = 1s, url = "http://127.0.0.1:%d/trickle" }
                    ]
                    """.formatted(server.getAddress().getPort()), "slow-body");
            CallReport c = r.call("fetch");
            assertEquals(CallStatus.TIMED_OUT, c.status(), c.toString());
            assertTrue(c.error().startsWith("java.util.concurrent.TimeoutException: no heartbeat for 1s"), c.error());
            assertTrue(c.durationMillis() >= 3500, "2.7 s of chunks, then 1 s of silence: " + c.durationMillis());
        } finally {
            server.stop(0);
            handlers.shutdownNow();
        }
    }
}
