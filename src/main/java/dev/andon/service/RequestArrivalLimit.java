package dev.andon.service;

import akka.Done;
import akka.NotUsed;
import akka.http.javadsl.model.HttpRequest;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.headers.Connection;
import akka.http.scaladsl.model.HttpEntity;
import akka.japi.function.Procedure;
import akka.stream.Attributes;
import akka.stream.BidiShape;
import akka.stream.Inlet;
import akka.stream.KillSwitches;
import akka.stream.SharedKillSwitch;
import akka.stream.Outlet;
import akka.stream.javadsl.BidiFlow;
import akka.stream.javadsl.Source;
import akka.stream.stage.AbstractInHandler;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStage;
import akka.stream.stage.TimerGraphStageLogic;
import akka.util.ByteString;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Closes an HTTP connection whose client has not sent a whole request within {@code limit}: one
 * that trickles its request line, its headers or its body a byte every few seconds (which
 * Akka HTTP's {@code idle-timeout} never sees idle, and whose {@code request-timeout} starts only
 * once the head has arrived), or that sent half a request and stopped.
 *
 * <p>One stage per connection, between Akka HTTP's server layer and the routes. Its clock runs
 * while the connection waits for bytes from its client: from the connection's start, or from the
 * end of the last response (its last byte handed to the server layer), until the next request has
 * arrived whole, its body included. It stands still while a request is being answered, however
 * long the answer takes (an event stream runs for hours). When it runs out, a request still
 * waiting for its answer gets {@code 408} with {@code Connection: close}; the connection is
 * closed either way.
 *
 * <p>It also ends a response still streaming when its client has gone (the connection's requests
 * ended: closed, reset or half-closed, after which Akka closes the connection anyway). Akka HTTP
 * cancels such a response only when it next writes to the dead connection (akka-http#1977): a
 * quiet event stream held its place among {@code max-sse-clients}, and its run's subscription,
 * until a heartbeat or the run's end. A client that asks with {@code Connection: close}, or in
 * HTTP/1.0, is not gone: its requests end only after its response has.
 *
 * <p>Thread-safety: a graph stage; the entities' ends reach it through async callbacks.
 */
final class RequestArrivalLimit extends GraphStage<BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse>> {
    private final Duration limit;
    private final Supplier<HttpResponse> timedOut;

    private final Inlet<HttpRequest> requestsIn = Inlet.create("RequestArrivalLimit.requestsIn");
    private final Outlet<HttpRequest> requestsOut = Outlet.create("RequestArrivalLimit.requestsOut");
    private final Inlet<HttpResponse> responsesIn = Inlet.create("RequestArrivalLimit.responsesIn");
    private final Outlet<HttpResponse> responsesOut = Outlet.create("RequestArrivalLimit.responsesOut");
    private final BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape =
            new BidiShape<>(requestsIn, requestsOut, responsesIn, responsesOut);

    /**
     * @param limit    how long a client has to send a whole request
     * @param timedOut the answer to a request whose body did not arrive in time (a 408)
     */
    RequestArrivalLimit(Duration limit, Supplier<HttpResponse> timedOut) {
        if (limit.isNegative() || limit.isZero()) throw new IllegalArgumentException("limit must be positive: " + limit);
        this.limit = limit;
        this.timedOut = Objects.requireNonNull(timedOut, "timedOut");
    }

    /** The stage as a BidiFlow: requests in from the server layer, out to the routes; responses back. */
    static BidiFlow<HttpRequest, HttpRequest, HttpResponse, HttpResponse, NotUsed> bidi(Duration limit,
                                                                                      Supplier<HttpResponse> timedOut) {
        return BidiFlow.fromGraph(new RequestArrivalLimit(limit, timedOut));
    }

    /**
     * Whether the arrival clock runs: while the client owes bytes, that is a body still arriving,
     * or no request at all in the connection's hands (between one exchange and the next).
     */
    static boolean clockRuns(int exchanges, int bodiesArriving, boolean clientDone) {
        if (clientDone) return false;
        return bodiesArriving > 0 || exchanges == 0;
    }

    @Override
    public BidiShape<HttpRequest, HttpRequest, HttpResponse, HttpResponse> shape() {
        return shape;
    }

    @Override
    public TimerGraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new TimerGraphStageLogic(shape) {
            private static final String CLOCK = "arrival";
            /** Requests handed to the routes whose response has not yet left in full. */
            private int exchanges;
            /** Requests handed to the routes whose body is still arriving. */
            private int bodiesArriving;
            /** Of those requests, how many wait for their response (it has not been pushed). */
            private int unanswered;
            private boolean clientDone;
            private boolean running;
            private AsyncCallback<Done> bodyArrived;
            private AsyncCallback<Done> responseSent;
            // Ends the responses streaming when the client has gone (see the class comment).
            private final SharedKillSwitch clientGone = KillSwitches.shared("RequestArrivalLimit.clientGone");

            {
                setHandler(requestsIn, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        HttpRequest request = grab(requestsIn);
                        exchanges++;
                        unanswered++;
                        HttpRequest passed = request;
                        if (!request.entity().isStrict()) {
                            bodiesArriving++;
                            passed = request.withEntity((akka.http.javadsl.model.RequestEntity)
                                    watched((HttpEntity) request.entity(), bodyArrived, null));
                        }
                        update();
                        push(requestsOut, passed);
                    }

                    @Override
                    public void onUpstreamFinish() {
                        clientLeft();
                        complete(requestsOut);
                    }

                    @Override
                    public void onUpstreamFailure(Throwable ex) {
                        clientLeft();
                        fail(requestsOut, ex);
                    }
                });
                setHandler(requestsOut, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        pull(requestsIn);
                    }

                    @Override
                    public void onDownstreamFinish(Throwable cause) {
                        clientDone = true;
                        update();
                        cancel(requestsIn, cause);
                    }
                });
                setHandler(responsesIn, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        HttpResponse response = grab(responsesIn);
                        unanswered--;
                        if (response.entity().isStrict()) {
                            exchanges--;
                            update();
                            push(responsesOut, response);
                        } else {
                            push(responsesOut, response.withEntity((akka.http.javadsl.model.ResponseEntity)
                                    watched((HttpEntity) response.entity(), responseSent, clientGone)));
                        }
                    }

                    @Override
                    public void onUpstreamFinish() {
                        complete(responsesOut);
                    }
                });
                setHandler(responsesOut, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        pull(responsesIn);
                    }

                    @Override
                    public void onDownstreamFinish(Throwable cause) {
                        cancel(responsesIn, cause);
                    }
                });
            }

            @Override
            public void preStart() {
                bodyArrived = createAsyncCallback((Procedure<Done>) d -> {
                    bodiesArriving--;
                    update();
                });
                responseSent = createAsyncCallback((Procedure<Done>) d -> {
                    exchanges--;
                    update();
                });
                update();
            }

            /** The connection's requests have ended: no more will come, and a response still streaming has nobody to go to. */
            private void clientLeft() {
                clientGone.shutdown();
                clientDone = true;
                update();
            }

            private void update() {
                boolean run = clockRuns(exchanges, bodiesArriving, clientDone);
                if (run && !running) scheduleOnce(CLOCK, limit);
                else if (!run && running) cancelTimer(CLOCK);
                running = run;
            }

            @Override
            public void onTimer(Object key) {
                if (unanswered > 0 && isAvailable(responsesOut)) {
                    push(responsesOut, timedOut.get().addHeader(Connection.create("close")));
                }
                completeStage();
            }
        };
    }

    /**
     * {@code entity} with the same type, length and bytes, whose end (completed, failed or
     * cancelled) is told to {@code ended}; a streamed one ends too when {@code gone} (if not null)
     * is shut down.
     */
    static HttpEntity watched(HttpEntity entity, AsyncCallback<Done> ended, SharedKillSwitch gone) {
        if (entity instanceof HttpEntity.Default d) {
            return new HttpEntity.Default(d.contentType(), d.contentLength(), watch(d.data(), ended, gone));
        }
        if (entity instanceof HttpEntity.Chunked c) {
            return new HttpEntity.Chunked(c.contentType(), watch(c.chunks(), ended, gone));
        }
        if (entity instanceof HttpEntity.CloseDelimited c) {
            return new HttpEntity.CloseDelimited(c.contentType(), watch(c.data(), ended, gone));
        }
        if (entity instanceof HttpEntity.IndefiniteLength i) {
            return new HttpEntity.IndefiniteLength(i.contentType(), watch(i.data(), ended, gone));
        }
        ended.invoke(Done.getInstance());
        return entity;
    }

    private static <T> akka.stream.scaladsl.Source<T, Object> watch(akka.stream.scaladsl.Source<T, Object> data,
                                                                   AsyncCallback<Done> ended, SharedKillSwitch gone) {
        Source<T, Object> java = Source.fromGraph(data);
        if (gone != null) java = java.via(gone.flow());
        return java.<Object>watchTermination((mat, done) -> {
            done.whenComplete((ok, failed) -> ended.invoke(Done.getInstance()));
            return mat;
        }).asScala();
    }
}
