package dev.andon.service;

import static dev.andon.service.AndonServiceTest.assertError;
import static dev.andon.service.TestService.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A posted job may not make the service a proxy into its network: its http calls go only to
 * andon.http.inline-http.allow-hosts, checked on the resolved address when they run. Before, with
 * inline commands off and a token set, a posted call to http://127.0.0.1:PORT/secret.txt (or
 * http://2130706433:PORT/) returned the secret in details.bodyTail.
 */
class RequestForgeryTest {
    private static final String SECRET = "TOP-SECRET-42";
    private static HttpServer secrets;   // on 127.0.0.1: what a posted job must not reach
    private static HttpServer partner;   // on 127.0.0.2: a host the operator lists
    private static TestService server;

    @BeforeAll
    static void start() throws IOException {
        secrets = serve("127.0.0.1");
        partner = serve("127.0.0.2");
        partner.createContext("/moved", x -> {
            x.getResponseHeaders().add("Location", "http://127.0.0.1:" + secrets.getAddress().getPort() + "/secret.txt");
            x.sendResponseHeaders(302, -1);
            x.close();
        });
        server = TestService.start("""
                andon.http.auth-token = "t0ken"
                andon.http.inline-http.allow-hosts = ["localhost", "127.0.0.2"]
                andon.jobs.operator { calls = [ { name = get, kind = http, url = "http://127.0.0.1:%d/secret.txt" } ] }
                """.formatted(secrets.getAddress().getPort()));
    }

    private static HttpServer serve(String address) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(address, 0), 0);
        s.createContext("/secret.txt", x -> {
            byte[] body = SECRET.getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        s.start();
        return s;
    }

    @AfterAll
    static void stop() {
        server.close();
        secrets.stop(0);
        partner.stop(0);
    }

    private static String job(String url) {
        return "{\"calls\": [{\"name\": \"get\", \"kind\": \"http\", \"url\": \"" + url + "\"}]}";
    }

    @Test
    void shouldRefuseAPostedCallToAHostThatIsNotListed() {
        int port = secrets.getAddress().getPort();
        for (String url : new String[] {"http://127.0.0.1:" + port + "/secret.txt", "http://2130706433:" + port + "/secret.txt",
                "http://0x7f000001:" + port + "/", "http://169.254.169.254/latest/meta-data/",
                "http://[::1]:" + port + "/", "http://127.0.0.1:" + server.service.address().getPort() + "/runs"}) {
            HttpResponse<String> r = server.post("/runs", job(url));
            assertError(r, 400, "invalid job");
            assertTrue(json(r).get("detail").asText().startsWith("calls[0].url: a posted job may make http calls only to "
                    + "the hosts listed in andon.http.inline-http.allow-hosts (localhost, 127.0.0.2); list \""), r.body());
        }
    }

    @Test
    void shouldRefuseAtCallTimeAListedNameThatResolvesToLoopback() {
        JsonNode report = run(job("http://localhost:" + secrets.getAddress().getPort() + "/secret.txt"));
        JsonNode call = report.at("/calls/0");
        assertEquals("FAILED", call.get("status").asText(), report.toString());
        assertTrue(call.get("error").asText().startsWith("dev.andon.call.HttpDestinations$ForbiddenDestinationException: "
                + "localhost resolves to 127.0.0.1 (loopback)"), call.get("error").asText());
        assertFalse(report.toString().contains(SECRET), report.toString());
    }

    @Test
    void shouldCallAListedAddressButNotFollowItsRedirects() {
        JsonNode ok = run(job("http://127.0.0.2:" + partner.getAddress().getPort() + "/secret.txt"));
        assertEquals("SUCCEEDED", ok.at("/calls/0/status").asText(), ok.toString());
        // The redirect would lead to 127.0.0.1: it is not followed; 302 is not a 2xx.
        JsonNode moved = run(job("http://127.0.0.2:" + partner.getAddress().getPort() + "/moved"));
        assertEquals("FAILED", moved.at("/calls/0/status").asText(), moved.toString());
        assertEquals(302, moved.at("/calls/0/details/status").asInt(), moved.toString());
        assertFalse(moved.toString().contains(SECRET), moved.toString());
    }

    @Test
    void shouldNotLimitTheCatalogsJobs() {
        String id = server.startJob("operator");
        JsonNode report = server.awaitFinished(id, Duration.ofSeconds(20));
        assertEquals("SUCCEEDED", report.get("status").asText(), report.toString());
        assertTrue(report.toString().contains(SECRET));
    }

    private static JsonNode run(String body) {
        HttpResponse<String> r = server.post("/runs", body);
        assertEquals(202, r.statusCode(), r.body());
        return server.awaitFinished(json(r).get("id").asText(), Duration.ofSeconds(20));
    }
}
