package dev.andon.service;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.pattern.Patterns;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.Stages;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.run.JobSpec;
import java.time.Clock;
import dev.andon.run.Trigger;
import dev.andon.store.Recovery;
import dev.andon.store.Reruns;
import dev.andon.store.RunStore;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Andon as a long-running HTTP service: the API of {@link ServiceRoutes} bound on
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
 *       awaits their reports, bounded by that phase's timeout; event streams end with their runs;</li>
 *   <li>{@code service-stop}: {@link #summary()} completes with what became of the live runs; once
 *       the event streams have ended, the open connections are closed.</li>
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
     * The configuration to start the service's Andon with: when a job of {@code catalog} has a
     * schedule, Akka's scheduler ticks every {@code andon.schedules.timer-tick}, so that a fire's
     * timer goes off within that of its fire time.
     *
     * @throws IllegalArgumentException when the tick is not within 1ms..10ms, or
     *                                  {@code andon.schedules.submit-ahead} not within 0s..10s
     */
    public static Config systemConfig(Config config, Catalog catalog) {
        if (catalog.entries().values().stream().noneMatch(e -> e.schedule() != null)) return config;
        Duration tick = config.getDuration("andon.schedules.timer-tick");
        if (tick.compareTo(Duration.ofMillis(1)) < 0 || tick.compareTo(Duration.ofMillis(10)) > 0)
            throw new IllegalArgumentException("andon.schedules.timer-tick must be within 1ms..10ms: " + tick.toMillis() + "ms");
        submitAhead(config);
        return ConfigFactory.parseMap(Map.of("akka.scheduler.tick-duration",
                tick.toMillis() + "ms")).withFallback(config);
    }

    /** {@code andon.schedules.submit-ahead}, checked. */
    static Duration submitAhead(Config config) {
        Duration ahead = config.getDuration("andon.schedules.submit-ahead");
        if (ahead.isNegative() || ahead.compareTo(Duration.ofSeconds(10)) > 0)
            throw new IllegalArgumentException("andon.schedules.submit-ahead must be within 0s..10s: " + ahead.toMillis() + "ms");
        return ahead;
    }

    /**
     * Binds the API of {@code andon}'s runs of {@code catalog}'s jobs (and of posted ones).
     *
     * @throws ServiceSettings.InsecureSettingsException when {@code settings} bind off loopback
     *                                                   without an auth token
     */
    public static CompletionStage<AndonService> start(Andon andon, Catalog catalog, ServiceSettings settings) {
        return start(andon, catalog, settings, Clock.systemUTC());
    }

    /**
     * Binds the API, and fires {@code catalog}'s schedules on {@code clock}, keeping what must
     * survive a restart in {@code andon}'s store (with {@link dev.andon.store.RunStore#NONE},
     * nothing: a restart begins each schedule again).
     *
     * @throws ServiceSettings.InsecureSettingsException when {@code settings} bind off loopback
     *                                                   without an auth token
     */
    public static CompletionStage<AndonService> start(Andon andon, Catalog catalog, ServiceSettings settings,
                                                      Clock clock) {
        return start(andon, catalog, settings, clock, Recovery.Result.NONE);
    }

    /**
     * As {@link #start(Andon, Catalog, ServiceSettings, Clock)}, after a start-up
     * {@code recovery} of {@code andon}'s store: its counts go to {@code /metrics}, and the
     * interrupted runs whose job says {@code on-interrupted = rerun} are rerun (their calls that
     * did not succeed, trigger {@code recovery}) once the service is up.
     */
    public static CompletionStage<AndonService> start(Andon andon, Catalog catalog, ServiceSettings settings,
                                                      Clock clock, Recovery.Result recovery) {
        Objects.requireNonNull(andon, "andon");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(recovery, "recovery");
        Objects.requireNonNull(catalog, "catalog");
        settings.checkSecure();
        ActorSystem<?> system = andon.system();
        ServiceMetrics metrics = new ServiceMetrics(system);
        metrics.dispatcher(JobSpec.DEFAULT_DISPATCHER);
        catalog.entries().values().forEach(e -> metrics.dispatcher(e.spec().dispatcher()));
        ActorRef<EventHub.Command> hub = system.systemActorOf(EventHub.create(settings), "andon-service-events", Props.empty());
        ActorRef<RunRegistry.Command> registry = system.systemActorOf(RunRegistry.create(andon, settings, metrics, hub),
                "andon-service-runs", Props.empty());
        KindContext kinds = new KindContext(system.settings().config(), catalog.kinds(), andon.httpClient(),
                andon::jdbcPools, null);
        JobRequests jobRequests = new JobRequests(kinds, settings);
        // GET /events never ends by itself: its streams end when the service stops (after the runs' last events).
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "andon-service-events-close", () -> {
            hub.tell(EventHub.Close.INSTANCE);
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        ScheduleService scheduler = ScheduleService.start(system, catalog, andon.store(), clock, registry, hub, metrics, settings);
        // No fire starts a run once the shutdown has begun: the scheduler stops with the admissions.
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "andon-service-schedules-stop",
                () -> scheduler.stop(system, settings.askTimeout()).exceptionally(e -> Done.getInstance()));
        StoreRoutes storeRoutes = new StoreRoutes(andon.store(), registry, settings, system, kinds, jobRequests);
        metrics.store(andon.store(), recovery);
        ServiceRoutes routes = new ServiceRoutes(andon, catalog, settings, metrics, registry, jobRequests, hub,
                new ScheduleRoutes(scheduler.scheduler(), catalog, settings, system).api(), storeRoutes);
        return Http.get(system).newServerAt(settings.host(), settings.port())
                .adaptSettings(s -> s.withParserSettings(s.getParserSettings().withMaxContentLength(settings.maxBodySize())))
                .bindFlow(RequestArrivalLimit.bidi(settings.requestArrivalTimeout(), ServiceRoutes::requestTimedOut)
                        .join(routes.route().flow(system)))
                .thenApply(binding -> {
                    AndonService service = new AndonService(binding);
                    service.onShutdown(system, registry, metrics, settings, routes.eventClients());
                    rerunInterrupted(andon, recovery, registry, settings, kinds, jobRequests);
                    return service;
                });
    }

    private void onShutdown(ActorSystem<?> system, ActorRef<RunRegistry.Command> registry, ServiceMetrics metrics,
                            ServiceSettings settings, AtomicInteger eventClients) {
        CoordinatedShutdown cs = CoordinatedShutdown.get(system);
        Config config = system.settings().config();
        String stopTimeout = "akka.coordinated-shutdown.phases.service-stop.timeout";
        Duration stop = config.getDuration(config.hasPath(stopTimeout) ? stopTimeout
                : "akka.coordinated-shutdown.default-phase-timeout");
        AtomicBoolean streaming = new AtomicBoolean();
        cs.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "andon-service-refuse-runs", () -> {
            streaming.set(eventClients.get() > 0);
            return AskPattern.ask(registry, RunRegistry.BeginShutdown::new, settings.askTimeout(), system.scheduler());
        });
        cs.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "andon-service-unbind", binding::unbind);
        // In service-requests-done Andon aborts the live runs and awaits their reports; the event
        // streams end with their runs. Connections are closed only after that, in service-stop:
        // Akka HTTP's terminate cuts a response that is still streaming, and a client following a
        // run should get its run-finished event. The registry is asked first, so that it has seen
        // every run's last event by then.
        cs.addTask(CoordinatedShutdown.PhaseServiceStop(), "andon-service-stop", () ->
                Stages.answered(AskPattern.ask(registry, RunRegistry.GetSummary::new, settings.askTimeout(), system.scheduler()))
                        .whenComplete((s, e) -> {
                            if (s != null) summary.complete(s);
                            else summary.completeExceptionally(e);
                        })
                        .exceptionally(e -> null)
                        .thenCompose(s -> {
                            if (eventClients.get() > 0) streaming.set(true);
                            return whenZero(eventClients, stop.dividedBy(3), system);
                        })
                        // A stream counts as ended when its last event has left the source, not when
                        // its last bytes have left for the socket; terminate would cut those (seen
                        // on a loaded machine: a client's chunked stream closed before its end).
                        .thenCompose(s -> streaming.get()
                                ? Patterns.after(STREAM_FLUSH, system.classicSystem().scheduler(), system.executionContext(),
                                        () -> CompletableFuture.completedFuture(s))
                                : CompletableFuture.completedFuture(s))
                        .thenCompose(s -> binding.terminate(stop.dividedBy(3)))
                        .handle((t, e) -> {
                            metrics.close();
                            return Done.getInstance();
                        }));
        system.getWhenTerminated().thenRun(() ->
                summary.completeExceptionally(new IllegalStateException("terminated before the summary was taken")));
        log.debug("service bound to {}", binding.localAddress());
    }

    // on-interrupted = rerun: a new run of the calls that did not succeed, as the registry's.
    private static void rerunInterrupted(Andon andon, Recovery.Result recovery, ActorRef<RunRegistry.Command> registry,
                                         ServiceSettings settings, KindContext kinds, JobRequests posted) {
        ActorSystem<?> system = andon.system();
        for (RunStore.StoredRun interrupted : recovery.toRerun()) {
            // The stored run is read again: it has its INTERRUPTED report now.
            RunStore.StoredRun run = andon.store().run(interrupted.id()).orElse(null);
            if (run == null) continue;
            JobSpec job;
            try {
                job = run.posted() ? Reruns.spec(run, false, posted.postedContext(), posted.allowedKinds())
                        : Reruns.spec(run, false, kinds, kinds.kinds().names());
            } catch (Reruns.NotRerunnable e) {
                log.warn("interrupted run {} is not rerun: {}", run.id(), e.getMessage());
                continue;
            }
            AskPattern.<RunRegistry.Command, RunRegistry.Admission>ask(registry,
                            r -> new RunRegistry.Admit(job, Trigger.recovery(run.id()), r), settings.askTimeout(), system.scheduler())
                    .whenComplete((answer, failure) -> {
                        if (answer instanceof RunRegistry.Admitted a)
                            log.info("interrupted run {} rerun as {} (on-interrupted = rerun)", run.id(), a.runId());
                        else
                            log.warn("interrupted run {} could not be rerun: {}", run.id(), failure != null ? failure : answer);
                    });
        }
    }

    /** How long event streams that ended in the shutdown get for their last bytes to be written. */
    private static final Duration STREAM_FLUSH = Duration.ofMillis(200);

    /** Completes when {@code counter} is 0, or after {@code max}; polls on the system's scheduler. */
    private static CompletionStage<Done> whenZero(AtomicInteger counter, Duration max, ActorSystem<?> system) {
        CompletableFuture<Done> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + max.toNanos();
        akka.actor.Cancellable polling = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, Duration.ofMillis(10), () -> {
            if (counter.get() <= 0 || System.nanoTime() > deadline) done.complete(Done.getInstance());
        }, system.executionContext());
        done.thenRun(polling::cancel);
        return done;
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
