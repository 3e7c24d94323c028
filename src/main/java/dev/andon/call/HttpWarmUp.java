package dev.andon.call;

import dev.andon.run.CallSpec;
import dev.andon.run.JobSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;

/**
 * Makes a fresh JVM's first {@code http} call cost what the next ones do, by paying beforehand,
 * on a daemon thread of its own, for what only the first would: the JDK's default TLS context
 * (which building any {@link HttpClient} initializes), the classes and interpreted code of an
 * exchange (connect, request, response, body), of a refused connection, and of a TLS client's
 * first handshake message. Without it the first call of {@code andon run} took 500-1000 ms where
 * the second took 5 ms.
 *
 * <p>All of that is the JVM's, not a client's: the warm-up runs {@link HttpCall}s, as a job's
 * would, through a client of its own, against a one-request server of its own on the loopback
 * interface and a loopback port nobody listens on, so it reaches nothing outside the process and
 * needs no setting. Its client is
 * dropped afterwards (its selector thread, a daemon, ends once the client is collected).
 *
 * <h2>Threading</h2>
 * {@link #inBackground} starts the thread and returns at once; it runs at most once per JVM.
 * {@code andon run} waits for it before it submits its run (it is done by then, unless the
 * machine is busy), so that no call pays for what is left of it. {@link #run} does it all on the
 * calling thread.
 */
public final class HttpWarmUp {
    private static final Duration STEP_LIMIT = Duration.ofSeconds(10);
    private static final Object ONCE = new Object();
    private static CompletableFuture<Result> started; // guarded by ONCE

    private HttpWarmUp() {
    }

    /**
     * What the warm-up did: the status of its exchange, whether its refused connection failed as
     * one does, and how many bytes its TLS client's first handshake message had.
     */
    public record Result(int status, boolean refused, int tlsHelloBytes) {
    }

    /** Whether any of {@code jobs} has an {@code http} call, whose first run a warm-up would speed. */
    public static boolean wanted(Collection<JobSpec> jobs) {
        for (JobSpec job : jobs)
            for (CallSpec c : job.calls())
                if (c.call() instanceof HttpCall) return true;
        return false;
    }

    /**
     * Starts the warm-up on a daemon thread ({@code andon-http-warm-up}), unless it was started
     * before in this JVM; the future completes when it is done (exceptionally if a step failed,
     * which only costs the first call its warmth).
     */
    public static CompletableFuture<Result> inBackground() {
        synchronized (ONCE) {
            if (started != null) return started;
            CompletableFuture<Result> done = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    done.complete(run());
                } catch (Exception | LinkageError e) {
                    done.completeExceptionally(e);
                }
            }, "andon-http-warm-up");
            t.setDaemon(true);
            started = done;
            t.start();
            return done;
        }
    }

    /**
     * Waits until {@code warmUp} is done, for at most its own limit (a step takes 10 s at most);
     * whether it succeeded does not matter: a failed warm-up costs only the first call its warmth.
     */
    public static void awaitQuietly(CompletableFuture<?> warmUp) throws InterruptedException {
        try {
            warmUp.get(3 * STEP_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // not warm, then: the first call pays, as it did without a warm-up
        }
    }

    /** The warm-up, on this thread. */
    public static Result run() throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(STEP_LIMIT).build();
        int status = exchange(client);
        boolean refused = refused(client);
        int hello = tlsHello(client.sslContext());
        return new Result(status, refused, hello);
    }

    /** An {@code http} call, as a job's would run, against a server that answers it once: its status. */
    private static int exchange(HttpClient client) throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            server.setSoTimeout((int) STEP_LIMIT.toMillis());
            Thread answering = new Thread(() -> answerOnce(server), "andon-http-warm-up-server");
            answering.setDaemon(true);
            answering.start();
            URI uri = URI.create("http://" + loopback.getHostAddress() + ":" + server.getLocalPort() + "/andon-warm-up");
            String result = call(client, uri).call(QUIET);
            answering.join(STEP_LIMIT.toMillis());
            return Integer.parseInt(result.substring(result.indexOf(' ') + 1));
        }
    }

    private static void answerOnce(ServerSocket server) {
        try (Socket s = server.accept()) {
            s.setSoTimeout((int) STEP_LIMIT.toMillis());
            readHead(s.getInputStream());
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            // the call fails, and says so
        }
    }

    private static HttpCall call(HttpClient client, URI uri) {
        return new HttpCall(() -> client, HttpRequest.newBuilder(uri).timeout(STEP_LIMIT).GET().build(),
                StatusPattern.parse("2xx"), 4096);
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; matched < end.length && (b = in.read()) >= 0; ) matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
    }

    /** An {@code http} call to a loopback port that was just let go of: {@code true} if it could not connect. */
    private static boolean refused(HttpClient client) throws Exception {
        int port;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(loopback, 0));
            port = s.getLocalPort();
        }
        try {
            call(client, URI.create("http://" + loopback.getHostAddress() + ":" + port + "/andon-warm-up")).call(QUIET);
            return false; // someone took the port meanwhile
        } catch (java.net.ConnectException e) {
            return true;
        }
    }

    /** What the warm-up's calls run in: no abort, and nothing they tell goes anywhere. */
    private static final WorkContext QUIET = new WorkContext() {
        @Override
        public boolean abortRequested() {
            return false;
        }

        @Override
        public void checkpoint() {
        }

        @Override
        public void onAbort(Runnable hook) {
        }

        @Override
        public void progress(String message) {
        }

        @Override
        public void detail(String key, Object value) {
        }

        @Override
        public String callName() {
            return "andon-warm-up";
        }

        @Override
        public int attempt() {
            return 1;
        }

        @Override
        public com.typesafe.config.Config config() {
            return com.typesafe.config.ConfigFactory.empty();
        }
    };

    /** A TLS client's first handshake message, made and dropped: its size in bytes. */
    private static int tlsHello(SSLContext context) throws Exception {
        SSLEngine engine = context.createSSLEngine("andon-warm-up.invalid", 443);
        engine.setUseClientMode(true);
        engine.beginHandshake();
        ByteBuffer net = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        int produced = 0;
        for (int i = 0; i < 4 && produced == 0; i++) {
            SSLEngineResult r = engine.wrap(ByteBuffer.allocate(0), net);
            produced = r.bytesProduced();
            for (Runnable task; r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK
                    && (task = engine.getDelegatedTask()) != null; ) task.run();
        }
        engine.closeOutbound();
        return produced;
    }
}
