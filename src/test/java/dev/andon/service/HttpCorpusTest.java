package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The bad-request corpus: every file under {@code src/test/resources/corpus/http} is one HTTP
 * request a client might get wrong (request line, headers, blank line, body; a
 * {@code # generate: ...} line makes a body too large to keep as a file) with
 * {@code # expect: STATUS text} naming the answer. Each gets that status, a JSON
 * {@code {"error", "detail"}} body, changes nothing (no run appears), and leaves the service
 * healthy. Add a case by adding a file.
 */
class HttpCorpusTest {
    static final Path CORPUS = Path.of(System.getProperty("andon.home", "."), "src/test/resources/corpus/http");
    private static TestService service;

    @BeforeAll
    static void start() {
        service = TestService.start("andon.http.max-body-size = 64 KiB\nandon.http.max-calls-per-run = 50");
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    record Case(String method, String path, List<String[]> headers, byte[] body, int status, String text) {
    }

    static Case parse(Path file) throws IOException {
        String all = Files.readString(file, StandardCharsets.UTF_8);
        int status = 0;
        String text = "";
        String generate = null;
        String[] lines = all.split("\n", -1);
        int i = 0;
        for (; lines[i].startsWith("#"); i++) {
            if (lines[i].startsWith("# expect: ")) {
                String[] e = lines[i].substring(10).trim().split(" ", 2);
                status = Integer.parseInt(e[0]);
                text = e.length > 1 ? e[1] : "";
            } else if (lines[i].startsWith("# generate: ")) {
                generate = lines[i].substring(12).trim();
            }
        }
        String[] requestLine = lines[i++].split(" ", 2);
        List<String[]> headers = new ArrayList<>();
        for (; !lines[i].isEmpty(); i++) headers.add(lines[i].split(": ", 2));
        StringBuilder body = new StringBuilder();
        for (i++; i < lines.length; i++) body.append(lines[i]).append(i + 1 < lines.length ? "\n" : "");
        byte[] bytes = generate == null ? body.toString().getBytes(StandardCharsets.UTF_8) : generated(generate);
        return new Case(requestLine[0], requestLine[1], headers, bytes, status, text);
    }

    private static byte[] generated(String spec) {
        String[] s = spec.split(" ");
        int n = Integer.parseInt(s[1]);
        if (s[0].equals("invalid-utf8-name")) { // n bytes that are not UTF-8 in a call's name
            byte[] head = "{\"calls\": [{\"kind\": \"sleep\", \"duration\": \"1ms\", \"name\": \"a".getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\"}]}".getBytes(StandardCharsets.UTF_8);
            byte[] all = java.util.Arrays.copyOf(head, head.length + n + tail.length);
            for (int k = 0; k < n; k++) all[head.length + k] = (byte) (k % 2 == 0 ? 0xC3 : 0x28); // C3 28: a broken pair
            System.arraycopy(tail, 0, all, head.length + n, tail.length);
            return all;
        }
        return generatedText(s[0], n).getBytes(StandardCharsets.UTF_8);
    }

    private static String generatedText(String kind, int n) {
        return switch (kind) {
            case "nesting" -> "{\"calls\": " + "[".repeat(n) + "]".repeat(n) + "}";
            case "unknown-keys" -> { // a valid job with n unknown keys beside it
                StringBuilder b = new StringBuilder("{\"calls\": [{\"name\": \"a\", \"kind\": \"sleep\", \"duration\": \"1ms\"}]");
                for (int k = 0; k < n; k++) b.append(", \"k").append(k).append("\": 1");
                yield b.append("}").toString();
            }
            case "padding" -> "{\"description\": \"" + "x".repeat(n) + "\", \"calls\": []}";
            case "calls" -> {
                StringBuilder b = new StringBuilder("{\"calls\": [");
                for (int k = 0; k < n; k++) b.append(k == 0 ? "" : ",").append("{\"name\": \"c").append(k)
                        .append("\", \"kind\": \"sleep\", \"duration\": \"1ms\"}");
                yield b.append("]}").toString();
            }
            default -> throw new IllegalArgumentException("unknown generator " + kind);
        };
    }

    static HttpResponse<String> send(Case c) {
        HttpRequest.Builder b = service.request(c.path());
        for (String[] h : c.headers()) b.header(h[0], h[1]);
        b.method(c.method(), c.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(c.body()));
        return service.send(b.build());
    }

    @TestFactory
    Stream<DynamicTest> everyBadRequestGetsOneClearErrorAndChangesNothing() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CORPUS)) {
            files = s.filter(p -> p.toString().endsWith(".http")).sorted().toList();
        }
        assertTrue(files.size() >= 40, "the corpus shrank: " + files.size());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            Case c = parse(file);
            int runsBefore = TestService.json(service.get("/runs")).get("runs").size();
            HttpResponse<String> r = send(c);
            String where = file.getFileName() + ": " + r.statusCode() + " " + r.body();
            assertTrue(c.status() > 0, file + " has no '# expect:' line; got " + r.statusCode() + " " + r.body());
            assertEquals(c.status(), r.statusCode(), where);
            JsonNode error = TestService.json(r);
            assertNotNull(error.get("error"), where);
            assertNotNull(error.get("detail"), where);
            assertTrue(error.get("detail").asText().contains(c.text()), "'" + c.text() + "' in " + where);
            assertFalse(r.body().contains("\tat ") || r.body().contains("Exception"), "a stack trace or raw exception: " + where);
            assertEquals(runsBefore, TestService.json(service.get("/runs")).get("runs").size(), "a run appeared: " + where);
            HttpResponse<String> health = service.get("/health");
            assertEquals(200, health.statusCode(), health.body());
            assertEquals("UP", TestService.json(health).get("status").asText());
        }));
    }
}
