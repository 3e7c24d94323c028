package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class HttpCallTest {
    private static final long TAIL = 4096;
    private static HttpServer server;
    private static String base;
    private static HttpClient client;
    private static final AtomicInteger flaky = new AtomicInteger();

    @BeforeAll
    static void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-http-server");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/status/", exchange -> {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            int status = Integer.parseInt(parts[2]);
            byte[] body = ("line one\n" + exchange.getRequestMethod() + " "
                    + exchange.getRequestHeaders().getFirst("X-Trace") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            boolean noBody = status == 204 || exchange.getRequestMethod().equals("HEAD");
            exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
            if (!noBody) exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/big", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                byte[] chunk = new byte[64 * 1024];
                java.util.Arrays.fill(chunk, (byte) 'x');
                for (int i = 0; i < 160; i++) out.write(chunk); // 10 MiB
                out.write("END".getBytes(StandardCharsets.UTF_8));
            }
        });
        server.createContext("/flaky", exchange -> {
            int status = flaky.incrementAndGet() == 1 ? 503 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    }

    @AfterAll
    static void stopServer() {
        server.stop(0);
    }

    private static HttpCall get(String path, String expect) {
        return new HttpCall(() -> client, HttpRequest.newBuilder(URI.create(base + path)).build(),
                StatusPattern.parse(expect), TAIL);
    }

    private static Throwable failure(Future<?> f) throws Exception {
        // Generous for a loaded machine; a call that fails promptly returns at once anyway.
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(15, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void shouldSucceedOnAnExpectedStatusAndKeepStatusAndBodyTail() throws Exception {
        var request = HttpRequest.newBuilder(URI.create(base + "/status/201"))
                .method("POST", HttpRequest.BodyPublishers.ofString("payload")).header("X-Trace", "t-1").build();
        try (var ctx = new TestWorkContext("post")) {
            assertEquals("HTTP 201", ctx.start(new HttpCall(() -> client, request, StatusPattern.parse("2xx"), TAIL)).get());
            assertEquals(201, ctx.details().get("status"));
            assertEquals("line one\nPOST t-1 payload\n", ctx.details().get("bodyTail"));
        }
    }

    @Test
    void shouldFailOnAnUnexpectedStatusWithStatusAndBodyTailAndRetryKeys() throws Exception {
        try (var ctx = new TestWorkContext("unexpected")) {
            Throwable t = failure(ctx.start(get("/status/503", "2xx")));
            var e = assertInstanceOf(HttpStatusException.class, t);
            assertEquals("HTTP 503 (expected 2xx): line one | GET null", e.getMessage());
            assertEquals(List.of("status=503", "status=5xx"), e.retryKeys());
            assertEquals(503, ctx.details().get("status"));
            assertEquals("line one\nGET null \n", ctx.details().get("bodyTail"));
        }
    }

    @Test
    void shouldHonourEveryExpectStatusForm() throws Exception {
        Map<String, Object> expected = Map.of(
                "/status/200", 200, "/status/204", List.of(200, 204), "/status/404", "4xx",
                "/status/302", "300-399", "/status/418", "418");
        for (var c : expected.entrySet()) {
            var call = new HttpCall(() -> client, HttpRequest.newBuilder(URI.create(base + c.getKey())).build(),
                    StatusPattern.parse(c.getValue()), TAIL);
            try (var ctx = new TestWorkContext("forms")) {
                assertTrue(ctx.start(call).get().startsWith("HTTP "), c.toString());
            }
        }
        try (var ctx = new TestWorkContext("forms")) {
            var notListed = new HttpCall(() -> client, HttpRequest.newBuilder(URI.create(base + "/status/200")).build(),
                    StatusPattern.parse(List.of(201, "3xx")), TAIL);
            var e = assertInstanceOf(HttpStatusException.class, failure(ctx.start(notListed)));
            assertTrue(e.getMessage().startsWith("HTTP 200 (expected 201, 3xx)"), e.getMessage());
        }
    }

    @Test
    void shouldKeepOnlyTheTailOfAHugeBody() throws Exception {
        try (var ctx = new TestWorkContext("big")) {
            assertEquals("HTTP 200", ctx.start(get("/big", "200")).get());
            String tail = (String) ctx.details().get("bodyTail");
            assertEquals(TAIL + 1, tail.length());
            assertTrue(tail.startsWith("…x") && tail.endsWith("xEND"));
        }
    }

    @Test
    void shouldFailInOneLineWhenTheConnectionIsRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        var call = new HttpCall(() -> client, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x")).build(),
                StatusPattern.parse("2xx"), TAIL);
        try (var ctx = new TestWorkContext("refused")) {
            var e = assertInstanceOf(ConnectException.class, failure(ctx.start(call)));
            assertEquals("connection refused: GET http://127.0.0.1:" + port + "/x", e.getMessage());
            assertFalse(ctx.details().containsKey("status"));
        }
    }

    @Test
    void shouldFailInOneLineOnAnUnknownHost() throws Exception {
        var call = new HttpCall(() -> client, HttpRequest.newBuilder(URI.create("http://nosuch.invalid/x")).build(),
                StatusPattern.parse("2xx"), TAIL);
        try (var ctx = new TestWorkContext("dns")) {
            var e = assertInstanceOf(java.net.UnknownHostException.class, failure(ctx.start(call)));
            assertEquals("unknown host nosuch.invalid: GET http://nosuch.invalid/x", e.getMessage());
        }
    }

    @Test
    void shouldFailInOneLineOnATlsError() throws Exception {
        // A real TLS server whose self-signed certificate the client does not trust: the handshake
        // fails. (A plain-HTTP server answering the ClientHello was tried first, but then the JDK's
        // HttpClient now and then loses the TLS error and fails only when its connect timeout
        // expires, as "connect timed out": about once in 100 tries on 2 loaded cores, and twice
        // in full test runs, whose 30 s connect timeout outlasted the test's wait.)
        try (SSLServerSocket tls = untrustedTlsServer(); var ctx = new TestWorkContext("tls")) {
            Thread server = new Thread(() -> {
                while (!tls.isClosed()) {
                    try (Socket s = tls.accept()) {
                        s.setSoTimeout(15_000);
                        ((SSLSocket) s).startHandshake(); // fails when the client refuses the certificate
                    } catch (IOException e) {
                        // the client hung up, as it should
                    }
                }
            }, "test-tls-server");
            server.setDaemon(true);
            server.start();
            String url = "https://127.0.0.1:" + tls.getLocalPort() + "/x";
            var call = new HttpCall(() -> client, HttpRequest.newBuilder(URI.create(url)).build(), StatusPattern.parse("2xx"), TAIL);
            var e = assertInstanceOf(SSLException.class, failure(ctx.start(call)));
            assertTrue(e.getMessage().startsWith("TLS handshake failed ("), e.getMessage());
            assertTrue(e.getMessage().endsWith("): GET " + url), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            System.out.println("[message] " + e);
        }
    }

    /** A TLS server socket on loopback with a fresh self-signed certificate (made by the JDK's keytool). */
    private static SSLServerSocket untrustedTlsServer() throws Exception {
        Path dir = Files.createTempDirectory("andon-tls");
        Path store = dir.resolve("server.p12");
        char[] password = "changeit".toCharArray();
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, keytool.waitFor(), "keytool: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        Files.delete(store);
        Files.delete(dir);
        return (SSLServerSocket) ssl.getServerSocketFactory().createServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    /** A server that reads one request and never answers; it notes when the client goes. */
    private static final class SilentServer implements AutoCloseable {
        final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        final CompletableFuture<Void> requestRead = new CompletableFuture<>();
        final CompletableFuture<Long> closedAt = new CompletableFuture<>();

        SilentServer() throws IOException {
            Thread acceptor = new Thread(() -> {
                try (Socket s = socket.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[4096];
                    if (in.read(buf) > 0) requestRead.complete(null);
                    while (in.read(buf) >= 0) {
                        // wait for the client to go
                    }
                } catch (IOException e) {
                    // reset by the client: gone as well
                }
                closedAt.complete(System.nanoTime());
            }, "test-silent-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        HttpCall call() {
            return new HttpCall(() -> client, HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + socket.getLocalPort() + "/never")).build(), StatusPattern.parse("2xx"), TAIL);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void shouldCancelTheExchangeOnAbortSoThatTheServerSeesTheConnectionClose() throws Exception {
        try (var silent = new SilentServer(); var ctx = new TestWorkContext("silent")) {
            Future<String> f = ctx.start(silent.call());
            silent.requestRead.get(5, TimeUnit.SECONDS);
            long t0 = System.nanoTime();
            ctx.requestAbort("c2 failed");
            assertEquals("aborted: c2 failed", assertInstanceOf(AbortedException.class, failure(f)).getMessage());
            long thrownMs = (System.nanoTime() - t0) / 1_000_000;
            long closedMs = (silent.closedAt.get(5, TimeUnit.SECONDS) - t0) / 1_000_000;
            assertTrue(thrownMs < 1000 && closedMs < 1000, "threw after " + thrownMs + " ms, closed after " + closedMs + " ms");
            System.out.println("[figure] http abort: call threw after " + thrownMs + " ms, server saw close after " + closedMs + " ms");
        }
    }

    @Test
    void shouldCancelTheExchangeWhenTheThreadIsInterrupted() throws Exception {
        try (var silent = new SilentServer(); var ctx = new TestWorkContext("interrupted")) {
            Future<String> f = ctx.start(silent.call());
            silent.requestRead.get(5, TimeUnit.SECONDS);
            ctx.interruptOnly();
            assertInstanceOf(InterruptedException.class, failure(f));
            silent.closedAt.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldExposeStatusRetryKeysSoThatAFlakyServiceIsRetried() throws Exception {
        flaky.set(0);
        var retry = new dev.andon.run.RetryPolicy(2, Duration.ZERO, Duration.ZERO, List.of("status=5xx"));
        var call = get("/flaky", "2xx");
        try (var ctx = new TestWorkContext("flaky")) {
            Throwable first = failure(ctx.start(call));
            assertTrue(retry.shouldRetry(1, first));
            assertEquals("HTTP 200", ctx.start(call).get());
        }
        var onlyNotFound = new dev.andon.run.RetryPolicy(2, Duration.ZERO, Duration.ZERO, List.of("status=404"));
        assertFalse(onlyNotFound.shouldRetry(1, new HttpStatusException(503, StatusPattern.parse("2xx"), "")));
    }
}
