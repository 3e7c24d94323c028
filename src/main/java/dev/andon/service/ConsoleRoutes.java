package dev.andon.service;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.MediaTypes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import dev.andon.timeline.TimelineSvg;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The routes of the web console and what it reads (SPEC sections 6 and 9): the timeline as SVG.
 * {@link #api()} is mounted behind the service's authentication.
 */
final class ConsoleRoutes extends AllDirectives {
    private final LiveReports reports;
    private final ActorRef<RunRegistry.Command> registry;
    private final ServiceSettings settings;
    private final ActorSystem<?> system;

    ConsoleRoutes(LiveReports reports, ActorRef<RunRegistry.Command> registry, ServiceSettings settings,
                  ActorSystem<?> system) {
        this.reports = reports;
        this.registry = registry;
        this.settings = settings;
        this.system = system;
    }

    /** The endpoints that need the token when one is set. */
    Route api() {
        return concat(
                path(PathMatchers.segment("runs").slash(PathMatchers.segment()).slash("timeline.svg"),
                        id -> get(() -> timeline(id))));
    }

    private Route timeline(String id) {
        return completeWithFuture(reports.current(id).thenApply(report -> report
                .map(r -> HttpResponse.create().withEntity(ContentTypes.create(MediaTypes.IMAGE_SVG_XML),
                        TimelineSvg.render(r, Instant.now()).getBytes(StandardCharsets.UTF_8)))
                .orElseGet(() -> ServiceRoutes.unknownRun(id))));
    }
}
