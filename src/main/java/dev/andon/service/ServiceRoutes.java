package dev.andon.service;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpEntity;
import akka.http.javadsl.model.HttpHeader;
import akka.http.javadsl.model.HttpMethod;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Allow;
import akka.http.javadsl.model.headers.Location;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.model.headers.RetryAfter;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.ExceptionHandler;
import akka.http.javadsl.server.MalformedRequestContentRejection;
import akka.http.javadsl.server.MethodRejection;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.RejectionHandler;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import akka.http.scaladsl.model.EntityStreamSizeException;
import akka.japi.function.Function;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.typesafe.config.Config;
import dev.andon.Andon;
import dev.andon.Stages;
import dev.andon.config.Catalog;
import dev.andon.config.Problems;
import dev.andon.run.AndonStats;
import dev.andon.run.BlockingExecutorConfigurator;
import dev.andon.run.JobSpec;
import dev.andon.run.ReportJson;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.store.RunStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP API (README's "Service" section lists every endpoint), as one Akka HTTP route.
 *
 * <p>Every answer is JSON, errors included: {@code {"error": "...", "detail": "..."}} with the status
 * that fits (400, 401, 404, 405 with {@code Allow}, 409, 413, 429 or 503 with {@code Retry-After}).
 * A request that is refused changes nothing. Run state lives in the {@link RunRegistry} actor; the
 * route only asks it, never blocks.
 */
final class ServiceRoutes extends AllDirectives {
    private static final Logger log = LoggerFactory.getLogger(ServiceRoutes.class);
    /** Why a run aborted through {@code POST /runs/{id}/abort} was aborted. */
    static final String ABORT_REASON = "aborted through the API";
    /** Where posted jobs are parsed and validated (see reference.conf). */
    static final String PARSER_DISPATCHER = ServiceSettings.PATH + ".job-parser-dispatcher";

    private final Andon andon;
    private final Catalog catalog;
    private final ServiceSettings settings;
    private final ServiceMetrics metrics;
    private final ActorRef<RunRegistry.Command> registry;
    private final JobRequests jobRequests;
    private final ActorSystem<?> system;
    private final Config config;
    private final byte[] token;
    private final AtomicInteger sseClients = new AtomicInteger();
    private final java.util.concurrent.Executor parser;
    private final ParsingBudget parsing;
    private final LiveReports reports;
    private final ConsoleRoutes console;
    private final Route schedules;
    private final StoreRoutes store;

    /** @param schedules the schedules' endpoints ({@link ScheduleRoutes}), mounted with the rest of the API */
    ServiceRoutes(Andon andon, Catalog catalog, ServiceSettings settings, ServiceMetrics metrics,
                  ActorRef<RunRegistry.Command> registry, JobRequests jobRequests, ActorRef<EventHub.Command> hub,
                  Route schedules, StoreRoutes store) {
        this.schedules = schedules;
        this.store = store;
        this.andon = andon;
        this.catalog = catalog;
        this.settings = settings;
        this.metrics = metrics;
        this.registry = registry;
        this.jobRequests = jobRequests;
        this.system = andon.system();
        this.config = system.settings().config();
        this.token = ("Bearer " + settings.authToken()).getBytes(StandardCharsets.UTF_8);
        this.parser = system.dispatchers().lookup(akka.actor.typed.DispatcherSelector.fromConfig(PARSER_DISPATCHER));
        this.parsing = new ParsingBudget(settings.maxParsingBytes());
        metrics.eventClients(sseClients);
        this.reports = new LiveReports(andon, registry, settings);
        this.console = new ConsoleRoutes(reports, registry, hub, settings, sseClients, system);
    }

    /** The Server-Sent Events clients connected now. */
    AtomicInteger eventClients() {
        return sseClients;
    }

    Route route() {
        Route api = concat(
                store.route(),
                path("jobs", () -> get(this::jobs)),
                path(PathMatchers.segment("jobs").slash(PathMatchers.segment()), name -> get(() -> job(name))),
                path(PathMatchers.segment("jobs").slash(PathMatchers.segment()).slash("runs"),
                        name -> post(() -> startCatalogJob(name))),
                path("runs", () -> concat(get(store.enabled() ? store::listRuns : this::listRuns), post(this::startPostedJob))),
                path(PathMatchers.segment("runs").slash(PathMatchers.segment()), id -> get(() -> getRun(id))),
                path(PathMatchers.segment("runs").slash(PathMatchers.segment()).slash("events"),
                        id -> get(() -> optionalHeaderValueByName("Last-Event-ID", last -> events(id, last)))),
                path(PathMatchers.segment("runs").slash(PathMatchers.segment()).slash("abort"),
                        id -> post(() -> abort(id))),
                path("metrics", () -> get(() -> complete(HttpResponse.create()
                        .withEntity(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())))),
                console.api(),
                schedules);
        return console.secured(() -> handleExceptions(exceptionHandler(), () -> handleRejections(rejectionHandler(), () ->
                withSizeLimit(settings.maxBodySize(), () -> concat(
                        path("health", () -> get(this::health)),
                        console.pages(),
                        authenticated(api))))));
    }

    // ---- endpoints

    private Route health() {
        Map<String, DispatcherHealth> dispatchers = new TreeMap<>();
        AndonStats stats = AndonStats.get(system);
        boolean degraded = false;
        for (String d : metrics.dispatchers()) {
            int pool = BlockingExecutorConfigurator.poolSize(config, d);
            int abandoned = stats.abandonedRunning(d);
            // "Most of a dispatcher": more than half its threads are held by calls given up on.
            boolean full = pool > 0 && abandoned * 2 > pool;
            degraded |= full;
            dispatchers.put(d, new DispatcherHealth(pool, abandoned, full ? "DEGRADED" : "UP"));
        }
        RunStore.Health storeHealth = andon.store().health();
        // An internal error (a bug in Andon) leaves the engine's state in doubt until a restart.
        String reason = stats.internalErrors() == 0 ? null : stats.internalErrors() + " internal error(s) since start, the "
                + "last: " + stats.lastInternalError() + " (a bug in Andon: see the log; restart the service)";
        if (reason == null && degraded) reason = "abandoned calls hold more than half of a dispatcher's threads";
        if (reason == null && storeHealth.degraded()) reason = "the run store's writes fail";
        degraded |= storeHealth.degraded() || stats.internalErrors() > 0;
        return complete(json(StatusCodes.OK, new Health(degraded ? "DEGRADED" : "UP", dispatchers,
                new StoreHealth(storeHealth.degraded() ? "DEGRADED" : "UP", storeHealth.failing()), reason)));
    }

    private Route jobs() {
        List<JobView> jobs = catalog.entries().values().stream().map(JobView::of).toList();
        return complete(json(StatusCodes.OK, Map.of("jobs", jobs)));
    }

    private Route job(String name) {
        return catalog.entry(name).map(e -> complete(json(StatusCodes.OK, JobView.of(e)))).orElseGet(() -> unknownJob(name));
    }

    private Route startCatalogJob(String name) {
        return catalog.entry(name).map(e -> admit(e.spec())).orElseGet(() -> unknownJob(name));
    }

    private Route unknownJob(String name) {
        return complete(error(StatusCodes.NOT_FOUND, "unknown job", "no job \"" + name + "\"; jobs: "
                + (catalog.names().isEmpty() ? "(none)" : String.join(", ", catalog.names()))));
    }

    private Route startPostedJob() {
        return extractRequestEntity(entity -> {
            // A body of unknown length (chunked) may be as large as the limit allows.
            long bytes = entity.getContentLengthOption().orElse(settings.maxBodySize());
            if (!parsing.take(bytes)) {
                // Its bytes are let through unkept, so that the client, still sending, reads the answer.
                HttpResponse busy = error(StatusCodes.SERVICE_UNAVAILABLE, "busy", "other job bodies are being parsed ("
                        + ServiceSettings.PATH + ".max-parsing-bytes = " + settings.maxParsingBytes() + " bytes); try again",
                        retryAfter());
                return completeWithFuture(entity.discardBytes(system).completionStage().thenApply(done -> busy));
            }
            CompletionStage<HttpResponse> answer;
            try {
                answer = Unmarshaller.entityToString().unmarshal(entity, system)
                        .thenApplyAsync(jobRequests::parse, parser)
                        .thenCompose(this::answer);
            } catch (RuntimeException e) {
                parsing.give(bytes);
                throw e;
            }
            // Given back once the body is parsed, or its reading failed (too large, the client gone).
            return completeWithFuture(answer.whenComplete((r, e) -> parsing.give(bytes)));
        });
    }

    private CompletionStage<HttpResponse> answer(JobRequests.Parsed parsed) {
        if (parsed instanceof JobRequests.Malformed m)
            return CompletableFuture.completedFuture(error(StatusCodes.BAD_REQUEST, "malformed JSON", m.detail()));
        if (parsed instanceof JobRequests.Invalid invalid) return CompletableFuture.completedFuture(invalidJob(invalid));
        return admission(((JobRequests.Valid) parsed).job());
    }

    private static HttpResponse invalidJob(JobRequests.Invalid invalid) {
        List<FieldProblem> problems = invalid.problems().stream().map(FieldProblem::of).toList();
        String detail = String.join("; ", problems.stream().map(FieldProblem::toString).toList())
                + (invalid.omitted() > 0 ? "; ... and " + String.format(java.util.Locale.ROOT, "%,d", invalid.omitted())
                + " more" : "");
        return json(StatusCodes.BAD_REQUEST, new ApiError("invalid job", detail, problems, invalid.omitted() > 0 ? invalid.omitted() : null));
    }

    private Route admit(JobSpec job) {
        return completeWithFuture(admission(job));
    }

    private CompletionStage<HttpResponse> admission(JobSpec job) {
        return ask(r -> new RunRegistry.Admit(job, r), (RunRegistry.Admission answer) -> {
            if (answer instanceof RunRegistry.Admitted a) {
                String location = "/runs/" + a.runId();
                return json(StatusCodes.ACCEPTED, Map.of("id", a.runId(), "location", location))
                        .addHeader(Location.create(location));
            }
            RunRegistry.Refused refused = (RunRegistry.Refused) answer;
            return switch (refused.reason()) {
                case LIMIT -> error(StatusCodes.TOO_MANY_REQUESTS, "too many live runs", refused.detail(), retryAfter());
                case SHUTTING_DOWN -> error(StatusCodes.SERVICE_UNAVAILABLE, "shutting down", refused.detail(), retryAfter());
                case INVALID -> error(StatusCodes.BAD_REQUEST, "invalid job", refused.detail());
                // Only a schedule's fire is refused so; no request here submits one.
                case FIRED_BEFORE -> error(StatusCodes.CONFLICT, "fired before", refused.detail());
            };
        });
    }

    private Route listRuns() {
        return parameterOptional("limit", limit -> {
            int n;
            try {
                n = limit.map(Integer::parseInt).orElse(Integer.MAX_VALUE);
                if (n < 1) throw new NumberFormatException();
            } catch (NumberFormatException e) {
                return complete(error(StatusCodes.BAD_REQUEST, "bad parameter", "limit must be a positive integer"));
            }
            return completeWithFuture(ask(r -> new RunRegistry.ListRuns(n, r),
                    (List<RunRegistry.RunSummary> runs) -> json(StatusCodes.OK, Map.of("runs", runs))));
        });
    }

    private Route getRun(String id) {
        return completeWithFuture(reports.current(id).thenApply(report -> report
                .map(r -> json(StatusCodes.OK, r)).orElseGet(() -> unknownRun(id))));
    }

    /**
     * A client that reconnects with {@code Last-Event-ID} (as browsers' EventSource does) gets only
     * what came after that event.
     */
    private Route events(String id, Optional<String> lastEventId) {
        int after = 0;
        if (lastEventId.isPresent()) {
            String v = lastEventId.get().trim();
            try {
                after = v.isEmpty() ? 0 : Integer.parseInt(v);
            } catch (NumberFormatException e) {
                after = -1;
            }
            if (after < 0)
                return complete(error(StatusCodes.BAD_REQUEST, "invalid Last-Event-ID",
                        "Last-Event-ID must be the id of an event of this run (a number from 1), not \"" + (v.length() <= 40 ? v : v.substring(0, 40) + "...") + "\""));
        }
        int from = after;
        if (sseClients.incrementAndGet() > settings.maxSseClients()) {
            sseClients.decrementAndGet();
            return complete(error(StatusCodes.SERVICE_UNAVAILABLE, "too many event clients", settings.maxSseClients()
                    + " clients are listening, the most allowed (" + ServiceSettings.PATH + ".max-sse-clients)", retryAfter()));
        }
        CompletionStage<Optional<Source<ServerSentEvent, NotUsed>>> stream =
                askStage((ActorRef<Optional<Source<ServerSentEvent, NotUsed>>> r) -> new RunRegistry.Subscribe(id, from, r))
                        .thenCompose(live -> live.isPresent() ? java.util.concurrent.CompletableFuture.completedFuture(live)
                                : store.storedEvents(id, from));
        return onComplete(stream, result -> {
            if (result.isFailure() || result.get().isEmpty()) {
                sseClients.decrementAndGet();
                if (result.isFailure()) throw new CompletionException(result.failed().get());
                return complete(unknownRun(id));
            }
            Source<ServerSentEvent, NotUsed> source = result.get().get()
                    // Live events too: a client that says it has seen event N gets none up to N,
                    // though the run has not got that far yet.
                    .filter(e -> from == 0 || e.getId().map(ServiceRoutes::eventNumber).orElse(Integer.MAX_VALUE) > from)
                    .keepAlive(settings.sseHeartbeat(), ServerSentEvent::heartbeat)
                    .watchTermination((mat, done) -> {
                        done.whenComplete((d, e) -> sseClients.decrementAndGet());
                        return mat;
                    });
            return completeOK(source, EventStreamMarshalling.toEventStream());
        });
    }

    private static int eventNumber(String id) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    private Route abort(String id) {
        return completeWithFuture(ask(r -> new RunRegistry.AbortRun(id, ABORT_REASON, r),
                (RunRegistry.AbortAnswer answer) -> switch (answer) {
                    case ACCEPTED -> json(StatusCodes.ACCEPTED, Map.of("id", id, "status", RunStatus.ABORTING));
                    case FINISHED -> error(StatusCodes.CONFLICT, "run finished", "run " + id + " has already finished");
                    case UNKNOWN -> unknownRun(id);
                }));
    }

    // ---- auth

    private Route authenticated(Route inner) {
        if (!settings.authRequired()) return inner;
        return optionalHeaderValueByName("Authorization", header -> {
            // Constant-time, so that the time taken does not tell how much of a guess was right.
            byte[] given = header.orElse("").getBytes(StandardCharsets.UTF_8);
            if (MessageDigest.isEqual(token, given)) return inner;
            return complete(error(StatusCodes.UNAUTHORIZED, "unauthorized",
                    header.isEmpty() ? "this service needs Authorization: Bearer <token>" : "wrong token",
                    RawHeader.create("WWW-Authenticate", "Bearer realm=\"andon\"")));
        });
    }

    // ---- errors

    private RejectionHandler rejectionHandler() {
        return RejectionHandler.newBuilder()
                .handleAll(MethodRejection.class, rejections -> {
                    HttpMethod[] allowed = rejections.stream().map(MethodRejection::supported).distinct()
                            .toArray(HttpMethod[]::new);
                    String names = String.join(", ", java.util.Arrays.stream(allowed).map(HttpMethod::name).toList());
                    return extractMethod(method -> complete(error(StatusCodes.METHOD_NOT_ALLOWED, "method not allowed",
                            method.name() + " is not allowed here; allowed: " + names, Allow.create(allowed))));
                })
                .handle(MalformedRequestContentRejection.class, r -> r.getCause() instanceof EntityStreamSizeException e
                        ? complete(tooLarge(e)) : complete(error(StatusCodes.BAD_REQUEST, "bad request", r.message())))
                .handleNotFound(extractUri(uri -> complete(error(StatusCodes.NOT_FOUND, "not found",
                        "no resource at " + uri.path()))))
                .build()
                .withFallback(RejectionHandler.defaultHandler().mapRejectionResponse(ServiceRoutes::asJsonError));
    }

    private ExceptionHandler exceptionHandler() {
        return ExceptionHandler.newBuilder()
                .matchAny(thrown -> {
                    Throwable e = thrown;
                    while (e instanceof CompletionException && e.getCause() != null) e = e.getCause();
                    if (e instanceof EntityStreamSizeException tooBig) return complete(tooLarge(tooBig));
                    if (e instanceof TimeoutException || e instanceof akka.pattern.AskTimeoutException) {
                        return complete(error(StatusCodes.SERVICE_UNAVAILABLE, "busy",
                                "no answer in time: " + e.getMessage(), retryAfter()));
                    }
                    log.error("request failed", e);
                    return complete(error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error", String.valueOf(e)));
                })
                .build();
    }

    private HttpResponse tooLarge(EntityStreamSizeException e) {
        return error(StatusCodes.PAYLOAD_TOO_LARGE, "request body too large", "the body is larger than "
                + settings.maxBodySize() + " bytes (" + ServiceSettings.PATH + ".max-body-size)");
    }

    /** Akka's own rejection answers are plain text: the same, as our JSON error. */
    private static HttpResponse asJsonError(HttpResponse response) {
        if (response.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) return response;
        String text = response.entity() instanceof HttpEntity.Strict strict ? strict.getData().utf8String() : "";
        String reason = response.status().reason().toLowerCase(java.util.Locale.ROOT);
        return response.withEntity(ContentTypes.APPLICATION_JSON, ReportJson.toJson(new ApiError(reason, text, null)));
    }

    /** The answer to a request whose body did not arrive within andon.http.request-arrival-timeout. */
    static HttpResponse requestTimedOut() {
        return error(StatusCodes.REQUEST_TIMEOUT, "request timeout", "the request did not arrive whole within "
                + ServiceSettings.PATH + ".request-arrival-timeout");
    }

    static HttpResponse unknownRun(String id) {
        return error(StatusCodes.NOT_FOUND, "unknown run", "no run \"" + id + "\" (finished runs are remembered up to "
                + ServiceSettings.PATH + ".history-size)");
    }

    private HttpHeader retryAfter() {
        return RetryAfter.create(Math.max(1, (settings.retryAfter().toMillis() + 999) / 1000));
    }

    static HttpResponse error(StatusCode status, String error, String detail, HttpHeader... headers) {
        return json(status, new ApiError(error, detail, null)).addHeaders(List.of(headers));
    }

    static HttpResponse json(StatusCode status, Object body) {
        return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, ReportJson.toJson(body));
    }

    // ---- asking the registry

    private <T> CompletionStage<T> askStage(akka.japi.function.Function<ActorRef<T>, RunRegistry.Command> message) {
        return Stages.answered(AskPattern.ask(registry, message::apply, settings.askTimeout(), system.scheduler()));
    }

    private <T> CompletionStage<HttpResponse> ask(Function<ActorRef<T>, RunRegistry.Command> message,
                                                  java.util.function.Function<T, HttpResponse> answer) {
        return this.<T>askStage(message).thenApply(answer);
    }

    // ---- JSON shapes

    /**
     * The error body of every error answer; {@code problems} only for an invalid job, and
     * {@code moreProblems} only when it had more than {@code andon.http.max-problems}.
     */
    record ApiError(String error, String detail,
                    @JsonInclude(JsonInclude.Include.NON_NULL) List<FieldProblem> problems,
                    @JsonInclude(JsonInclude.Include.NON_NULL) Integer moreProblems) {
        ApiError(String error, String detail, List<FieldProblem> problems) {
            this(error, detail, problems, null);
        }
    }

    /** One problem of a posted job: the field's path ({@code calls[1].duration}), its line in the body. */
    record FieldProblem(String path, Integer line, String message) {
        /** The most of a path or message shown: a key of the body may be as long as the body. */
        private static final int LONGEST = 200;

        static FieldProblem of(Problems.Problem p) {
            return new FieldProblem(p.path() == null || p.path().isEmpty() ? null : cut(p.path()),
                    p.line() > 0 ? p.line() : null, cut(p.message()));
        }

        private static String cut(String s) {
            return s.length() <= LONGEST ? s : s.substring(0, LONGEST) + "... (" + s.length() + " characters)";
        }

        @Override
        public String toString() {
            return path == null ? message : path + ": " + message;
        }
    }

    /** {@code reason}: why it is DEGRADED; absent when UP. */
    record Health(String status, Map<String, DispatcherHealth> dispatchers, StoreHealth store,
                  @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
    }

    /** The run store: {@code DEGRADED} while its writes fail, with why. */
    record StoreHealth(String status, @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
    }

    record DispatcherHealth(int poolSize, int abandonedThreads, String status) {
    }

    /** A job of {@code GET /jobs}. */
    record JobView(String name, String description, List<CallView> calls, String failurePolicy, int maxParallelism,
                   long abortGraceMillis, Long deadlineMillis, String dispatcher) {
        static JobView of(Catalog.Entry e) {
            JobSpec s = e.spec();
            return new JobView(e.name(), e.description(),
                    s.calls().stream().map(c -> new CallView(c.name(), c.kind())).toList(),
                    s.failurePolicy().configName(), s.maxParallelism(), s.abortGrace().toMillis(),
                    s.deadline() == null ? null : s.deadline().toMillis(), s.dispatcher());
        }
    }

    record CallView(String name, String kind) {
    }
}
