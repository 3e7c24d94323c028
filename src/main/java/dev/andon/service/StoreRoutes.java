package dev.andon.service;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.Location;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import akka.stream.javadsl.Source;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import dev.andon.config.KindContext;
import dev.andon.run.CallReport;
import dev.andon.run.JobSpec;
import dev.andon.run.ReportJson;
import dev.andon.run.RunEvent;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import dev.andon.store.Reruns;
import dev.andon.store.RunStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The routes of the run store: {@code GET /runs} from the store, newest
 * first, with {@code job}, {@code status}, {@code limit} and {@code before} paging; a finished
 * run's report and events replayed from the store when the service's registry does not have it
 * (it ran before a restart, or in {@code andon run}); and {@code POST /runs/{id}/rerun}.
 *
 * <p>Every read of the store runs on the store's reader threads, never on a route's or an
 * actor's.
 */
final class StoreRoutes extends AllDirectives {
    /** The most runs one page of {@code GET /runs} has, and the default page size. */
    static final int MAX_PAGE = 1000;

    private final RunStore store;
    private final ActorRef<RunRegistry.Command> registry;
    private final ServiceSettings settings;
    private final ActorSystem<?> system;
    private final KindContext kinds;
    private final JobRequests posted;

    /**
     * @param kinds  what a catalog job's rerun is built with
     * @param posted the rules a posted job's rerun is built with (its kinds, its http hosts)
     */
    StoreRoutes(RunStore store, ActorRef<RunRegistry.Command> registry, ServiceSettings settings, ActorSystem<?> system,
                KindContext kinds, JobRequests posted) {
        this.store = store;
        this.registry = registry;
        this.settings = settings;
        this.system = system;
        this.kinds = kinds;
        this.posted = posted;
    }

    /** Whether there is a store behind these routes (an embedded service may have none). */
    boolean enabled() {
        return store != RunStore.NONE;
    }

    /** {@code POST /runs/{id}/rerun}. */
    Route route() {
        return path(PathMatchers.segment("runs").slash(PathMatchers.segment()).slash("rerun"),
                id -> post(() -> entity(Unmarshaller.entityToString(), body -> rerun(id, body))));
    }

    /** {@code GET /runs?job=&status=&limit=&before=}. */
    Route listRuns() {
        return parameterOptional("job", job -> parameterOptional("status", status ->
                parameterOptional("limit", limit -> parameterOptional("before", before -> {
                    int n;
                    try {
                        n = limit.map(Integer::parseInt).orElse(MAX_PAGE);
                        if (n < 1 || n > MAX_PAGE) throw new NumberFormatException();
                    } catch (NumberFormatException e) {
                        return complete(ServiceRoutes.error(StatusCodes.BAD_REQUEST, "bad parameter",
                                "limit must be an integer from 1 to " + MAX_PAGE));
                    }
                    RunStatus s = null;
                    if (status.isPresent()) {
                        try {
                            s = RunStatus.valueOf(status.get().toUpperCase(Locale.ROOT));
                        } catch (IllegalArgumentException e) {
                            return complete(ServiceRoutes.error(StatusCodes.BAD_REQUEST, "bad parameter",
                                    "status must be one of " + List.of(RunStatus.values())));
                        }
                    }
                    RunStore.RunQuery q = new RunStore.RunQuery(job.orElse(null), s, n, before.orElse(null));
                    return completeWithFuture(read(() -> {
                        try {
                            List<RunStore.RunSummary> runs = store.runs(q);
                            Map<String, Object> page = new java.util.LinkedHashMap<>();
                            page.put("runs", runs);
                            page.put("next", runs.size() == n ? runs.get(runs.size() - 1).id() : null);
                            return ServiceRoutes.json(StatusCodes.OK, page);
                        } catch (IllegalArgumentException e) {
                            return ServiceRoutes.error(StatusCodes.BAD_REQUEST, "bad parameter", "before: " + e.getMessage());
                        }
                    }));
                }))));
    }

    /**
     * A run the registry does not know: its events replayed from the store (numbered from 1), or
     * 404. The store keeps no passing events (progress, heartbeats, output), so a client that
     * followed the run live may have seen more events than the replay has (a page left open
     * across a restart, or a run the registry has forgotten since): one that says it has seen
     * them all gets the run's {@code run-finished}, numbered after what it saw, and never an
     * empty stream to reconnect to again and again.
     */
    CompletionStage<Optional<Source<ServerSentEvent, NotUsed>>> storedEvents(String id, int after) {
        return read(() -> store.run(id).filter(RunStore.StoredRun::finished).map(r -> {
            List<ServerSentEvent> frames = new ArrayList<>();
            List<RunEvent> events = replay(r);
            for (int i = after; i < events.size(); i++) frames.add(frame(events.get(i), i + 1));
            if (frames.isEmpty()) frames.add(frame(events.get(events.size() - 1), after + 1));
            return Source.from(frames);
        }));
    }

    private static ServerSentEvent frame(RunEvent e, int number) {
        return ServerSentEvent.create(ReportJson.toJson(e), Optional.of(e.type()), Optional.of(Integer.toString(number)),
                OptionalInt.empty());
    }

    /** A stored run's events, in the order they happened, as its live stream told them. */
    static List<RunEvent> replay(RunStore.StoredRun run) {
        RunReport report = run.report();
        List<RunEvent> timed = new ArrayList<>();
        for (CallReport c : report.calls()) {
            if (c.startedAt() != null)
                timed.add(new RunEvent.CallStarted(run.id(), c.startedAt(), c.name(), c.attempts(), c.thread()));
            Instant end = c.finishedAt() != null ? c.finishedAt() : report.finishedAt();
            timed.add(new RunEvent.CallFinished(run.id(), end, c, c.abortToAckMillis() != null));
        }
        if (report.abortReason() != null) {
            Instant at = run.abortAt() != null ? run.abortAt() : report.finishedAt();
            timed.add(new RunEvent.AbortRequested(run.id(), at, report.abortReason()));
        }
        timed.sort(Comparator.comparing(RunEvent::at));
        List<RunEvent> events = new ArrayList<>(timed.size() + 2);
        events.add(new RunEvent.RunStarted(run.id(), report.startedAt(), report.job(), report.calls().size()));
        events.addAll(timed);
        events.add(new RunEvent.RunFinished(run.id(), report.finishedAt(), report));
        return events;
    }

    private Route rerun(String id, String body) {
        boolean all;
        try {
            Config c = body.isBlank() ? ConfigFactory.empty()
                    : ConfigFactory.parseString(body, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
            String calls = c.hasPath("calls") ? c.getString("calls") : "unsucceeded";
            if (!calls.equals("unsucceeded") && !calls.equals("all"))
                return complete(ServiceRoutes.error(StatusCodes.BAD_REQUEST, "invalid request",
                        "calls: must be \"unsucceeded\" or \"all\", not \"" + calls + "\""));
            all = calls.equals("all");
        } catch (ConfigException e) {
            return complete(ServiceRoutes.error(StatusCodes.BAD_REQUEST, "malformed JSON", e.getMessage()));
        }
        CompletionStage<Object> job = read(() -> {
            Optional<RunStore.StoredRun> run = store.run(id);
            if (run.isEmpty()) return (Object) ServiceRoutes.error(StatusCodes.NOT_FOUND, "unknown run", "no run \"" + id + "\" in the store");
            try {
                return run.get().posted() ? Reruns.spec(run.get(), all, posted.postedContext(), posted.allowedKinds())
                        : Reruns.spec(run.get(), all, kinds, kinds.kinds().names());
            } catch (Reruns.NotRerunnable e) {
                return ServiceRoutes.error(StatusCodes.CONFLICT, "cannot rerun", e.getMessage());
            }
        });
        return completeWithFuture(job.thenCompose(j -> {
            if (j instanceof HttpResponse r) return CompletableFuture.completedFuture(r);
            JobSpec fair = (JobSpec) j;
            return AskPattern.<RunRegistry.Command, RunRegistry.Admission>ask(registry,
                            r -> new RunRegistry.Admit(fair, Trigger.rerun(id), r), settings.askTimeout(), system.scheduler())
                    .thenApply(answer -> {
                        if (answer instanceof RunRegistry.Admitted a) {
                            String location = "/runs/" + a.runId();
                            return ServiceRoutes.json(StatusCodes.ACCEPTED, Map.of("id", a.runId(), "location", location,
                                    "rerunOf", id)).addHeader(Location.create(location));
                        }
                        RunRegistry.Refused refused = (RunRegistry.Refused) answer;
                        return switch (refused.reason()) {
                            case LIMIT -> ServiceRoutes.error(StatusCodes.TOO_MANY_REQUESTS, "too many live runs", refused.detail());
                            case SHUTTING_DOWN -> ServiceRoutes.error(StatusCodes.SERVICE_UNAVAILABLE, "shutting down", refused.detail());
                            case INVALID, FIRED_BEFORE -> ServiceRoutes.error(StatusCodes.CONFLICT, "cannot rerun", refused.detail());
                        };
                    });
        }));
    }

    private <T> CompletionStage<T> read(java.util.function.Supplier<T> read) {
        return CompletableFuture.supplyAsync(read, store.readExecutor());
    }
}
