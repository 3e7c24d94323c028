package dev.andon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static dev.andon.config.KindTesting.at;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.ConfigFactory;
import dev.andon.call.HttpCall;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpKindTest {
    @TempDir
    java.nio.file.Path dir;

    private List<String> problemsOf(String body) {
        return KindTesting.problemsOf(dir, new HttpKind(), body);
    }

    @Test
    void shouldBuildTheRequest() {
        var t = new KindTesting(dir);
        var call = assertInstanceOf(HttpCall.class, t.parse(new HttpKind(),
                "method = post\nurl = \"https://example.com:8443/a?b=c\"\nheaders { X-Trace = t1, X-N = 3 }\n"
                        + "body = \"{}\"\nexpect-status = [200, \"3xx\", \"400-404\"]"));
        assertEquals(List.of(), t.lines());
        var request = call.request();
        assertEquals("POST", request.method());
        assertEquals(URI.create("https://example.com:8443/a?b=c"), request.uri());
        assertEquals(Optional.of("t1"), request.headers().firstValue("X-Trace"));
        assertEquals(2L, request.bodyPublisher().orElseThrow().contentLength());
    }

    @Test
    void shouldDefaultToGetAndTheReferenceExpectStatus() {
        var t = new KindTesting(dir);
        var call = assertInstanceOf(HttpCall.class, t.parse(new HttpKind(), "url = \"http://127.0.0.1/\""));
        assertEquals("GET", call.request().method());
        assertEquals("GET http://127.0.0.1/", call.toString());
    }

    @Test
    void shouldReportEachProblemOnceWithFileLineAndPath() {
        assertEquals(List.of("jobs.conf:1: " + KindTesting.PATH + ".url: missing (required)"), problemsOf("method = GET"));
        assertEquals(List.of(at(2, "url", "must be an http:// or https:// URL, not \"ftp://x/y\"")),
                problemsOf("url = \"ftp://x/y\""));
        // java.net.URI's own words; its index is 7 on JDK 17 and 8 (the space) on JDK 25.
        List<String> space = problemsOf("url = \"http://a b/\"");
        assertEquals(1, space.size(), space.toString());
        assertTrue(space.get(0).matches(java.util.regex.Pattern.quote(at(2, "url", "not a URL: Illegal character in authority at index "))
                + "[78]: http://a b/"), space.get(0));
        assertEquals(List.of(at(2, "url", "has no host: \"http:///x\"")), problemsOf("url = \"http:///x\""));
        assertEquals(List.of(at(2, "method", "unknown method \"FETCH\"; one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS")),
                problemsOf("method = FETCH\nurl = \"http://h/\""));
        assertEquals(List.of(at(3, "expect-status", "\"600\" is not a status code (100-599), a class (\"2xx\") "
                        + "or a range (\"200-299\")")),
                problemsOf("url = \"http://h/\"\nexpect-status = 600"));
        assertEquals(List.of(at(3, "expect-status", "\"299-200\" is an empty range")),
                problemsOf("url = \"http://h/\"\nexpect-status = [200, \"299-200\"]"));
        assertEquals(List.of(at(3, "headers.Host", "restricted header name: \"Host\"")),
                problemsOf("url = \"http://h/\"\nheaders { Host = x }"));
        assertEquals(List.of(at(3, "body", "must be a string, not an object")),
                problemsOf("url = \"http://h/\"\nbody { a = 1 }"));
    }

    @Test
    void shouldReportABadDefaultExpectStatusAtItsOwnPath() {
        var t = new KindTesting(dir, ConfigFactory.parseString("andon.http-client.expect-status = 2xxx"));
        assertNull(t.parse(new HttpKind(), "url = \"http://h/\""));
        assertEquals(1, t.lines().size());
        assertEquals("andon.http-client.expect-status", t.problems.list().get(0).path());
    }
}
