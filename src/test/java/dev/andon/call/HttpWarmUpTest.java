package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.andon.run.CallSpec;
import dev.andon.run.JobSpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The warm-up for a fresh JVM's first http call does each of its steps for real, inside the
 * process, and runs once; only jobs with an http call want it. (What it saves is measured by
 * scripts/bench, {@code http_first_call_ratio}.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpWarmUpTest {

    @Test
    void shouldExchangeWithItsOwnServerBeRefusedAndSayHelloInTls() throws Exception {
        HttpWarmUp.Result r = HttpWarmUp.run();
        assertEquals(200, r.status());
        assertTrue(r.refused(), "a loopback port nobody listens on refuses");
        assertTrue(r.tlsHelloBytes() > 40, () -> "a ClientHello of " + r.tlsHelloBytes() + " bytes");
    }

    @Test
    void shouldRunOncePerJvm() throws Exception {
        var first = HttpWarmUp.inBackground();
        assertSame(first, HttpWarmUp.inBackground());
        assertEquals(200, first.get(50, TimeUnit.SECONDS).status());
    }

    @Test
    void onlyJobsWithAnHttpCallShouldWantIt() {
        HttpCall http = new HttpCall(HttpClient::newHttpClient, HttpRequest.newBuilder(URI.create("http://localhost:1/")).build(),
                StatusPattern.parse("2xx"), 100);
        JobSpec sleeps = JobSpec.builder("sleeps").call(CallSpec.of("a", ctx -> "a")).build();
        JobSpec mixed = JobSpec.builder("mixed").call(CallSpec.of("a", ctx -> "a")).call(CallSpec.of("h", http)).build();
        assertFalse(HttpWarmUp.wanted(List.of(sleeps)));
        assertTrue(HttpWarmUp.wanted(List.of(sleeps, mixed)));
    }
}
