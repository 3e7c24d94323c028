package dev.andon.call;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * The {@code http} kind: one HTTP request through the Andon instance's shared
 * {@link HttpClient}, succeeding when the status is one {@code expect-status} allows.
 *
 * <h2>Outcome</h2>
 * <ul>
 *   <li>an expected status: returns {@code "HTTP 200"};
 *   <li>another status: throws {@link HttpStatusException} with the status and the body's last line;
 *   <li>no response (connection refused, unknown host, TLS failure, connect timeout): throws an
 *       {@link IOException} of the same kind as the client's ({@link ConnectException},
 *       {@link UnknownHostException}, {@link SSLException}, ...) whose message is one line naming
 *       the request, so that {@code retry.on} can still name the class;
 *   <li>aborted: throws {@link AbortedException} once the exchange was cancelled.
 * </ul>
 * When a response arrived, the report's details get {@code status} and {@code bodyTail} (the last
 * {@code andon.http-client.body-tail} bytes of the body; the body is streamed through a bounded
 * buffer, never held whole).
 *
 * <h2>Abort</h2>
 * The request is sent with {@link HttpClient#sendAsync}; the abort hook (and an interrupt of the
 * waiting thread) cancels the returned future, which since JDK 16 cancels the exchange itself: an
 * HTTP/1.1 connection is closed, so a server holding the request open sees it go; an HTTP/2
 * stream is reset. The call throws right after the cancel.
 *
 * <h2>Threading</h2>
 * {@link #call} runs on the blocking dispatcher and blocks in {@link CompletableFuture#get()};
 * the body is consumed on the client's executor. Instances are immutable and may run any number
 * of attempts, also concurrently; the client is looked up on the first attempt, not before.
 */
public final class HttpCall implements BlockingCall<String> {
    private static final int ERROR_LINE_MAX = 200;

    private final Supplier<HttpClient> client;
    private final HttpRequest request;
    private final StatusPattern expect;
    private final long bodyTail;
    private final HttpDestinations destinations;

    /**
     * @param client   the shared client, asked for on each attempt
     * @param request  the request, sent as is on every attempt
     * @param expect   the statuses that mean success
     * @param bodyTail how many bytes of the end of the response body are kept
     */
    public HttpCall(Supplier<HttpClient> client, HttpRequest request, StatusPattern expect, long bodyTail) {
        this(client, request, expect, bodyTail, null);
    }

    /**
     * As {@link #HttpCall(Supplier, HttpRequest, StatusPattern, long)}, checking before each
     * attempt that the request goes where {@code destinations} allow (null: anywhere); an attempt
     * that may not throws {@link HttpDestinations.ForbiddenDestinationException} without connecting.
     */
    public HttpCall(Supplier<HttpClient> client, HttpRequest request, StatusPattern expect, long bodyTail,
                    HttpDestinations destinations) {
        this.destinations = destinations;
        this.client = Objects.requireNonNull(client, "client");
        this.request = Objects.requireNonNull(request, "request");
        this.expect = Objects.requireNonNull(expect, "expect");
        if (bodyTail < 0) throw new IllegalArgumentException("bodyTail must not be negative: " + bodyTail);
        this.bodyTail = bodyTail;
    }

    public HttpRequest request() {
        return request;
    }

    @Override
    public String call(WorkContext ctx) throws Exception {
        ctx.checkpoint();
        // At call time, on the resolved address: what the name resolves to may have changed since the job was parsed.
        if (destinations != null) destinations.check(request.uri());
        OutputTail body = new OutputTail(bodyTail);
        ctx.progress(this.toString());
        CompletableFuture<HttpResponse<Void>> exchange =
                client.get().sendAsync(request, info -> HttpResponse.BodySubscribers.fromSubscriber(new TailSubscriber(body, ctx)));
        ctx.onAbort(() -> exchange.cancel(true));
        HttpResponse<Void> response;
        try {
            response = exchange.get();
        } catch (InterruptedException e) {
            exchange.cancel(true);
            if (ctx.abortRequested()) {
                Thread.currentThread().interrupt();
                ctx.checkpoint();
            }
            throw e;
        } catch (CancellationException e) {
            ctx.checkpoint();
            throw e; // only an abort cancels
        } catch (ExecutionException e) {
            ctx.checkpoint();
            throw oneLine(e.getCause());
        }
        int status = response.statusCode();
        ctx.detail("status", status);
        ctx.detail("bodyTail", body.text());
        if (!expect.matches(status)) throw new HttpStatusException(status, expect, body.excerpt(ERROR_LINE_MAX));
        return "HTTP " + status;
    }

    /**
     * A one-line failure naming the request, of the kind the client threw: {@code connection
     * refused: GET http://...}, {@code unknown host nosuch.invalid: GET ...}.
     */
    private Exception oneLine(Throwable failure) {
        String what = toString();
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) chain.add(t);
        IOException e = null;
        if (chain.stream().anyMatch(t -> t instanceof UnknownHostException || t instanceof UnresolvedAddressException)) {
            e = new UnknownHostException("unknown host " + request.uri().getHost() + ": " + what);
        } else if (first(chain, SSLHandshakeException.class) != null) {
            e = new SSLHandshakeException("TLS handshake failed (" + message(first(chain, SSLException.class)) + "): " + what);
        } else if (first(chain, SSLException.class) != null) {
            e = new SSLException("TLS error (" + message(first(chain, SSLException.class)) + "): " + what);
        } else if (first(chain, HttpConnectTimeoutException.class) != null) {
            e = new HttpConnectTimeoutException("connect timed out: " + what);
        } else if (first(chain, ConnectException.class) != null) {
            String m = message(first(chain, ConnectException.class));
            e = new ConnectException(m.isEmpty() || m.toLowerCase().contains("refused")
                    ? "connection refused: " + what : "cannot connect (" + m + "): " + what);
        } else if (first(chain, HttpTimeoutException.class) != null) {
            e = new HttpTimeoutException("timed out: " + what);
        } else if (failure instanceof IOException) {
            String m = message(failure);
            e = new IOException((m.isEmpty() ? failure.getClass().getSimpleName() : m) + ": " + what);
        }
        if (e == null) return failure instanceof Exception x ? x : new IOException(failure); // our bug: keep it whole
        e.initCause(failure);
        e.setStackTrace(new StackTraceElement[0]);
        return e;
    }

    private static <T extends Throwable> T first(List<Throwable> chain, Class<T> type) {
        for (Throwable t : chain) if (type.isInstance(t)) return type.cast(t);
        return null;
    }

    private static String message(Throwable t) {
        String m = t == null || t.getMessage() == null ? "" : t.getMessage().strip();
        int nl = m.indexOf('\n');
        m = nl < 0 ? m : m.substring(0, nl);
        return m.length() <= ERROR_LINE_MAX ? m : m.substring(0, ERROR_LINE_MAX) + "…";
    }

    @Override
    public String toString() {
        return request.method() + " " + request.uri();
    }

    /** Streams a response body into an {@link OutputTail}; each chunk is a heartbeat. */
    private static final class TailSubscriber implements Flow.Subscriber<List<ByteBuffer>> {
        private final OutputTail tail;
        private final WorkContext ctx;

        TailSubscriber(OutputTail tail, WorkContext ctx) {
            this.tail = tail;
            this.ctx = ctx;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) tail.append(b);
            ctx.heartbeat();
        }

        @Override
        public void onError(Throwable throwable) {
            // The exchange's future fails with it; the tail keeps what arrived.
        }

        @Override
        public void onComplete() {
        }
    }
}
