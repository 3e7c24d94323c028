package dev.andon.service;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.marshalling.sse.EventStreamMarshalling;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.model.headers.RawHeader;
import akka.http.javadsl.model.headers.RetryAfter;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.stream.javadsl.Source;
import dev.andon.Stages;
import dev.andon.run.RunEvent;
import dev.andon.timeline.TimelineSvg;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The routes of the web console and what it reads: the timeline as SVG,
 * a call's output tail, and the service-wide events. {@link #api()} is mounted behind the
 * service's authentication.
 */
final class ConsoleRoutes extends AllDirectives {
    private final LiveReports reports;
    private final ActorRef<RunRegistry.Command> registry;
    private final ActorRef<EventHub.Command> hub;
    private final ServiceSettings settings;
    private final AtomicInteger sseClients;
    private final ActorSystem<?> system;

    ConsoleRoutes(LiveReports reports, ActorRef<RunRegistry.Command> registry, ActorRef<EventHub.Command> hub,
                  ServiceSettings settings, AtomicInteger sseClients, ActorSystem<?> system) {
        this.reports = reports;
        this.registry = registry;
        this.hub = hub;
        this.settings = settings;
        this.sseClients = sseClients;
        this.system = system;
    }

    /**
     * Every response's headers: a Content-Security-Policy that allows only the service's own
     * origin (no inline script or style, no frames, nothing fetched elsewhere), and no MIME sniffing.
     */
    Route secured(java.util.function.Supplier<Route> inner) {
        return respondWithDefaultHeaders(List.of(
                RawHeader.create("Content-Security-Policy", CSP),
                RawHeader.create("X-Content-Type-Options", "nosniff"),
                RawHeader.create("Referrer-Policy", "no-referrer")), inner);
    }

    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /**
     * The console's static files, from the jar's {@code console/} resources: {@code /} is its page,
     * {@code /console/...} its scripts and styles. Public, like {@code /health}: they hold no data,
     * and the page asks for the token before it reads any.
     */
    Route pages() {
        return get(() -> concat(
                pathSingleSlash(() -> getFromResource("console/index.html", ContentTypes.TEXT_HTML_UTF8)),
                pathPrefix("console", () -> getFromResourceDirectory("console"))));
    }

    /** The endpoints that need the token when one is set. */
    Route api() {
        return concat(
                path(PathMatchers.segment("runs").slash(PathMatchers.segment()).slash("timeline.svg"),
                        id -> get(() -> timeline(id))),
                path(PathMatchers.segment("runs").slash(PathMatchers.segment()).slash("calls")
                                .slash(PathMatchers.segment()).slash("output"),
                        (id, call) -> get(() -> parameterOptional("stream", stream -> output(id, call, stream)))),
                path("events", () -> get(() -> optionalHeaderValueByName("Last-Event-ID", this::events))));
    }

    private Route timeline(String id) {
        return completeWithFuture(reports.current(id).thenApply(report -> report
                .map(r -> HttpResponse.create().withEntity(ContentTypes.create(MediaTypes.IMAGE_SVG_XML),
                        TimelineSvg.render(r, Instant.now()).getBytes(StandardCharsets.UTF_8)))
                .orElseGet(() -> ServiceRoutes.unknownRun(id))));
    }

    private Route output(String id, String call, Optional<String> stream) {
        if (stream.isPresent() && !stream.get().equals("stdout") && !stream.get().equals("stderr"))
            return complete(ServiceRoutes.error(StatusCodes.BAD_REQUEST, "bad parameter", "stream must be stdout or stderr"));
        CompletionStage<Optional<RunRegistry.CallOutput>> answer = Stages.answered(AskPattern.ask(registry,
                (ActorRef<Optional<RunRegistry.CallOutput>> r) -> new RunRegistry.GetOutput(id, call, r),
                settings.askTimeout(), system.scheduler()));
        return completeWithFuture(answer.thenApply(out -> out
                .map(o -> HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, outputText(o, stream.orElse(null))))
                .orElseGet(() -> ServiceRoutes.error(StatusCodes.NOT_FOUND, "unknown call",
                        "no call \"" + call + "\" in run \"" + id + "\""))));
    }

    /**
     * A call's output as text: stdout, then stderr under a {@code --- stderr ---} line (only one of
     * them with {@code stream}); a last line says how many lines the events skipped, if any.
     */
    static String outputText(RunRegistry.CallOutput o, String stream) {
        StringBuilder out = new StringBuilder();
        String stdout;
        String stderr;
        if (o.finished()) {
            stdout = o.stdoutTail();
            stderr = o.stderrTail();
        } else {
            StringBuilder so = new StringBuilder();
            StringBuilder se = new StringBuilder();
            for (RunEvent.CallOutput line : o.lines())
                (line.stream().equals("stderr") ? se : so).append(line.line()).append('\n');
            stdout = so.toString();
            stderr = se.toString();
        }
        if (stream == null || stream.equals("stdout")) out.append(stdout);
        if ((stream == null && !stderr.isEmpty()) || "stderr".equals(stream)) {
            if (stream == null) {
                if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') out.append('\n');
                out.append("--- stderr ---\n");
            }
            out.append(stderr);
        }
        if (!o.finished() && o.skipped() > 0) {
            if (out.length() > 0 && out.charAt(out.length() - 1) != '\n') out.append('\n');
            out.append("(").append(o.skipped()).append(" more lines were not kept: over ")
                    .append(dev.andon.run.EventSettings.PATH).append(".max-output-lines-per-second)\n");
        }
        return out.toString();
    }

    private Route events(Optional<String> lastEventId) {
        long after = 0;
        if (lastEventId.isPresent() && !lastEventId.get().isBlank()) {
            try {
                after = Long.parseLong(lastEventId.get().trim());
            } catch (NumberFormatException e) {
                after = -1;
            }
            if (after < 0) return complete(ServiceRoutes.error(StatusCodes.BAD_REQUEST, "invalid Last-Event-ID",
                    "Last-Event-ID must be the id of a service event (a number from 1)"));
        }
        if (sseClients.incrementAndGet() > settings.maxSseClients()) {
            sseClients.decrementAndGet();
            return complete(ServiceRoutes.error(StatusCodes.SERVICE_UNAVAILABLE, "too many event clients",
                    settings.maxSseClients() + " clients are listening, the most allowed (" + ServiceSettings.PATH
                            + ".max-sse-clients)", RetryAfter.create(Math.max(1, (settings.retryAfter().toMillis() + 999) / 1000))));
        }
        long from = after;
        CompletionStage<Source<ServerSentEvent, NotUsed>> stream = AskPattern.ask(hub,
                (ActorRef<Source<ServerSentEvent, NotUsed>> r) -> new EventHub.Subscribe(from, r),
                settings.askTimeout(), system.scheduler());
        return onComplete(stream, result -> {
            if (result.isFailure()) {
                sseClients.decrementAndGet();
                throw new CompletionException(result.failed().get());
            }
            Source<ServerSentEvent, NotUsed> source = result.get()
                    .keepAlive(settings.sseHeartbeat(), ServerSentEvent::heartbeat)
                    .watchTermination((mat, done) -> {
                        done.whenComplete((d, e) -> sseClients.decrementAndGet());
                        return mat;
                    });
            return completeOK(source, EventStreamMarshalling.toEventStream());
        });
    }
}
