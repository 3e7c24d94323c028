package dev.andon.service;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import dev.andon.Andon;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.run.JobSpec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Andon as a long-running HTTP service (SPEC section 6): the API of {@link ServiceRoutes} bound on
 * {@code andon.http.host:port} in front of an {@link Andon} instance.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * Andon andon = Andon.start(config);
 * AndonService service = AndonService.start(andon, catalog, ServiceSettings.from(config))
 *         .toCompletableFuture().join();
 * ...
 * andon.shutdown();   // or a signal: CoordinatedShutdown does the rest
 * }</pre>
 *
 * <h2>Shutdown</h2>
 * Through the actor system's {@code CoordinatedShutdown}, whoever starts it:
 * <ol>
 *   <li>{@code before-service-unbind}: new runs are refused (503);</li>
 *   <li>{@code service-unbind}: the port is closed to new connections;</li>
 *   <li>{@code service-requests-done}: Andon aborts every live run (reason {@code shutdown}) and
 *       awaits their reports, while open requests finish (event streams end with their runs),
 *       bounded by that phase's timeout;</li>
 *   <li>{@code service-stop}: {@link #summary()} completes with what became of the live runs.</li>
 * </ol>
 *
 * <h2>Threading</h2>
 * {@link #start} returns at once; its stage completes on an Akka thread once the port is bound (or
 * fails, e.g. with a {@code BindFailedException}). The accessors are thread-safe.
 */
public final class AndonService {
    private static final Logger log = LoggerFactory.getLogger(AndonService.class);

    private final ServerBinding binding;
    private final CompletableFuture<ShutdownSummary> summary = new CompletableFuture<>();

    private AndonService(ServerBinding binding) {
        this.binding = binding;
    }

    /**
     * Binds the API of {@code andon}'s runs of {@code catalog}'s jobs (and of posted ones).
     *
     * @throws ServiceSettings.InsecureSettingsException when {@code settings} bind off loopback
     *                                                   without an auth token
     */
    public static CompletionStage<AndonService> start(Andon andon, Catalog catalog, ServiceSettings settings) {
        Objects.requireNonNull(andon, "andon");
        Objects.requireNonNull(catalog, "catalog");
        settings.checkSecure();
        ActorSystem<?> system = andon.system();
        ServiceMetrics metrics = new ServiceMetrics(system);
        metrics.dispatcher(JobSpec.DEFAULT_DISPATCHER);
        catalog.entries().values().forEach(e -> metrics.dispatcher(e.spec().dispatcher()));
        ActorRef<RunRegistry.Command> registry = system.systemActorOf(RunRegistry.create(andon, settings, metrics),
                "andon-service-runs", Props.empty());
        JobRequests jobRequests = new JobRequests(new KindContext(system.settings().config(), andon.httpClient()), settings);
        ServiceRoutes routes = new ServiceRoutes(andon, catalog, settings, metrics, registry, jobRequests);
        return Http.get(system).newServerAt(settings.host(), settings.port())
                .adaptSettings(s -> s.withParserSettings(s.getParserSettings().withMaxContentLength(settings.maxBodySize())))
                .bind(routes.route())
                .thenApply(binding -> {
                    AndonService service = new AndonService(binding);
                    service.onShutdown(system, registry, metrics, settings);
                    return service;
                });
    }

    private void onShutdown(ActorSystem<?> system, ActorRef<RunRegistry.Command> registry, ServiceMetrics metrics,
                            ServiceSettings settings) {
        CoordinatedShutdown cs = CoordinatedShutdown.get(system);
        Duration requestsDone = system.settings().config()
                .getDuration("akka.coordinated-shutdown.phases.service-requests-done.timeout");
        cs.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "andon-service-refuse-runs",
                () -> AskPattern.ask(registry, RunRegistry.BeginShutdown::new, settings.askTimeout(), system.scheduler()));
        cs.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "andon-service-unbind", binding::unbind);
        // Runs towards Andon's own task in this phase, which aborts the live runs: event streams
        // end as their runs do, so this waits about as long as the aborts take. A little under the
        // phase's timeout, so that the phase does not time out on it.
        cs.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "andon-service-requests-done",
                () -> binding.terminate(requestsDone.multipliedBy(9).dividedBy(10)).thenApply(t -> Done.getInstance()));
        cs.addTask(CoordinatedShutdown.PhaseServiceStop(), "andon-service-summary", () ->
                AskPattern.ask(registry, RunRegistry.GetSummary::new, settings.askTimeout(), system.scheduler())
                        .handle((s, e) -> {
                            if (s != null) summary.complete(s);
                            else summary.completeExceptionally(e);
                            metrics.close();
                            return Done.getInstance();
                        }));
        system.getWhenTerminated().thenRun(() ->
                summary.completeExceptionally(new IllegalStateException("terminated before the summary was taken")));
        log.debug("service bound to {}", binding.localAddress());
    }

    /** Where the service listens (the actual port when {@code andon.http.port = 0}). */
    public InetSocketAddress address() {
        return binding.localAddress();
    }

    /** Completes during shutdown with what became of the runs that were live when it began. */
    public CompletionStage<ShutdownSummary> summary() {
        return summary;
    }
}
