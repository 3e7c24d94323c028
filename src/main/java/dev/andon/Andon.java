package dev.andon;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.DispatcherSelector;
import com.typesafe.config.Config;
import dev.andon.call.JdbcPools;
import dev.andon.call.ProcessTable;
import dev.andon.run.AbortKind;
import dev.andon.run.JobSpec;
import dev.andon.run.RunEvent;
import dev.andon.run.RunListener;
import dev.andon.run.RunReport;
import dev.andon.run.Trigger;
import dev.andon.store.RunStore;
import dev.andon.run.AndonStats;
import dev.andon.run.Dispatchers;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An Andon instance embedded in a JVM: an actor system that runs jobs under supervision.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * try (Andon andon = Andon.start(ConfigFactory.load())) {
 *     JobSpec job = andon.job("nightly")
 *             .call("extract", ctx -> extract(ctx))
 *             .call("convert", ctx -> { ctx.checkpoint(); return convert(); })
 *             .build();
 *     RunReport report = andon.submit(job).report().toCompletableFuture().join();
 * }
 * }</pre>
 *
 * <h2>Threading</h2>
 * Every method is thread-safe and returns without waiting for a run, except {@link #close()}.
 * A run's report stage completes on an actor thread: do not block in its callbacks.
 *
 * <h2>Shutdown</h2>
 * {@link #shutdown()} runs Akka's {@code CoordinatedShutdown}: new runs are rejected, live runs
 * are aborted with reason {@code shutdown}, their reports are awaited (for at most the longest
 * abort grace plus {@code andon.shutdown.margin}), then the system terminates. A JVM shutdown
 * (SIGTERM) does the same through Akka's shutdown hook.
 */
public final class Andon implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Andon.class);

    /** The reason given to CoordinatedShutdown by {@link #shutdown()}. */
    public static final CoordinatedShutdown.Reason API_SHUTDOWN = new CoordinatedShutdown.Reason() {
        @Override
        public String toString() {
            return "AndonShutdown";
        }
    };

    private final ActorSystem<AndonGuardian.Command> system;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final RunStore store;
    private final RunStore.Owner owner;

    /** A submitted run whose report is not out yet. */
    private record Pending(CompletableFuture<RunReport> report, Trigger trigger) {
    }
    private final Supplier<HttpClient> httpClient;
    private final JdbcPools jdbcPools;
    private final AndonSettings settings;
    /** The actor system's configuration (the typed system's settings() makes a new Settings each call). */
    private final Config config;
    private final CompletableFuture<Done> closed = new CompletableFuture<>();

    private Andon(ActorSystem<AndonGuardian.Command> system, AndonSettings settings, Function<String, String> environment,
                  RunStore store) {
        this.system = system;
        this.settings = settings;
        this.store = store;
        ProcessTable table = ProcessTable.host();
        this.owner = store == RunStore.NONE ? null : RunStore.Owner.self(table);
        if (store != RunStore.NONE) {
            String bootId = table.bootId();
            AndonStats.get(system).processListener((runId, call, pid, killGrace) -> {
                ProcessTable.Proc p = table.get(pid);
                // A process that is already gone left nothing to stop.
                if (p != null) store.processStarted(new RunStore.ProcessRecord(runId, call, pid, p.startTime(), bootId, killGrace));
            });
        }
        this.jdbcPools = new JdbcPools(environment);
        this.config = system.settings().config();
        this.httpClient = new SharedHttpClient(settings);
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "andon-abort-live-runs",
                () -> Stages.answered(AskPattern.ask(system, AndonGuardian.Shutdown::new,
                        config.getDuration("akka.coordinated-shutdown.phases.service-requests-done.timeout"),
                        system.scheduler()))
                        // The runs' reports are told once committed: done when they all are.
                        .thenCompose(done -> store.flush().thenApply(v -> done)));
        // After the runs' acks (the phase before): no call holds a pooled connection any more,
        // but an ABANDONED one, whose connection the pool's close aborts.
        CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "andon-close-jdbc-pools",
                () -> CompletableFuture.supplyAsync(() -> {
                    jdbcPools.close();
                    return Done.getInstance();
                }, system.dispatchers().lookup(DispatcherSelector.fromConfig("andon.abort-hook-dispatcher"))));
        // A run that was submitted but never reached the guardian (the system went away first)
        // must not leave its caller waiting forever.
        system.getWhenTerminated().thenRun(() -> pending.values().forEach(p ->
                p.report().completeExceptionally(new IllegalStateException("Andon terminated before the run could start"))));
        if (store != RunStore.NONE) {
            // Closed (what is queued committed) once the system is gone, on a thread of its own:
            // closing waits for the store's writer, and sqlite's checkpoints its log to the file.
            system.getWhenTerminated().thenRun(() -> new Thread(() -> {
                try {
                    store.close();
                } finally {
                    closed.complete(Done.getInstance());
                }
            }, "andon-store-close").start());
        } else {
            system.getWhenTerminated().thenRun(() -> closed.complete(Done.getInstance()));
        }
    }

    /**
     * Starts an Andon actor system named {@code andon}.
     *
     * @param config the whole configuration, {@code reference.conf} included (as
     *               {@code ConfigFactory.load()} gives)
     */
    public static Andon start(Config config) {
        return start(config, "andon");
    }

    /** Starts an Andon actor system with the given name (unique per JVM is wise for JMX). */
    public static Andon start(Config config, String systemName) {
        return start(config, systemName, System::getenv);
    }

    /**
     * Starts an Andon actor system with the given name, whose JDBC pools read their
     * {@code password-env} variables through {@code environment} rather than from the process's.
     */
    public static Andon start(Config config, String systemName, Function<String, String> environment) {
        return start(config, systemName, environment, RunStore.NONE);
    }

    /**
     * Starts an Andon that records every run in {@code store} (see {@link RunStore}), and closes
     * the store once its actor system has terminated. Recovery of what a dead Andon left in the
     * store is the caller's, before this ({@link dev.andon.store.Recovery}).
     */
    public static Andon start(Config config, String systemName, RunStore store) {
        return start(config, systemName, System::getenv, store);
    }

    /** As {@link #start(Config, String, RunStore)}, with JDBC pools that read {@code password-env} through {@code environment}. */
    public static Andon start(Config config, String systemName, Function<String, String> environment, RunStore store) {
        Objects.requireNonNull(store, "store");
        return start(config, systemName, environment, () -> store);
    }

    /**
     * As {@link #start(Config, String, Function, RunStore)}, with a store that is still opening:
     * the actor system starts first, and {@code store} is asked for once it has (a service's start
     * then costs the longer of the two, not their sum). When {@code store} throws, the actor
     * system is terminated, and waited for, before the exception goes on to the caller: nothing of
     * this Andon is left behind.
     */
    public static Andon start(Config config, String systemName, Function<String, String> environment,
                              java.util.function.Supplier<RunStore> store) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(environment, "environment");
        Objects.requireNonNull(store, "store");
        AndonSettings settings = AndonSettings.from(config);
        ActorSystem<AndonGuardian.Command> system = ActorSystem.create(
                AndonGuardian.create(settings.shutdownMargin(), settings.snapshotTimeout()), systemName, config);
        RunStore opened;
        try {
            opened = Objects.requireNonNull(store.get(), "store");
        } catch (RuntimeException | Error e) {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(
                        config.getDuration("akka.coordinated-shutdown.default-phase-timeout").toMillis() * 4,
                        java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException te) {
                e.addSuppressed(te);
            }
            throw e;
        }
        return new Andon(system, settings, environment, opened);
    }

    /** This Andon's settings, as read from its configuration when it started. */
    public AndonSettings settings() {
        return settings;
    }

    /**
     * A builder for a job whose unset settings are this Andon's configured
     * {@code andon.job-defaults} (as for the catalog's jobs).
     */
    public JobSpec.Builder job(String name) {
        return JobSpec.builder(name, settings.jobDefaults());
    }

    /** Starts a run of {@code job}. */
    public RunHandle submit(JobSpec job) {
        return submit(job, RunListener.NONE);
    }

    /** Starts a run of {@code job} with trigger {@code api}, telling {@code listener} its events. */
    public RunHandle submit(JobSpec job, RunListener listener) {
        return submit(job, listener, Trigger.API);
    }

    /**
     * Starts a run of {@code job}, telling {@code listener} its events, and records it in the store.
     * The run starts once its submission is committed ({@link RunHandle#accepted()}); its report
     * stage completes, and its {@link RunEvent.RunFinished} is told, once its final report is
     * committed. The report says {@code trigger}.
     *
     * @param listener called in order, one event at a time, on an actor thread (the last one may
     *                 be on the store's); must be quick and must not block
     * @throws IllegalArgumentException if the job's dispatcher is one its calls may not run on
     *                                  (see {@link Dispatchers#problem}): not configured, not a
     *                                  dispatcher, a fork-join pool, or virtual threads on a JVM without them;
     *                                  or whose settings would make it fail (see {@link Dispatchers#settingProblems})
     */
    public RunHandle submit(JobSpec job, RunListener listener, Trigger trigger) {
        return submit(job, listener, trigger, null);
    }

    /**
     * As {@link #submit(JobSpec, RunListener, Trigger)}, for a run that starts at {@code startAt}:
     * submitted and recorded now, its supervisor spawned once that is committed, its calls started
     * (and {@link RunEvent.RunStarted} told) at {@code startAt}. A schedule's fire is submitted so,
     * a little ahead of its time, so that its run starts on time however many fires share it. Until
     * then it is live like any other run: an abort (or Andon's shutdown) ends it with no call run.
     *
     * @param startAt when its calls start; {@code null}, or an instant that has passed: once committed
     */
    public RunHandle submit(JobSpec job, RunListener listener, Trigger trigger, Instant startAt) {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(trigger, "trigger");
        Dispatchers.problem(config, job.dispatcher()).ifPresent(p -> {
            throw new IllegalArgumentException("job " + job.name() + ": dispatcher " + job.dispatcher() + ": " + p);
        });
        for (Dispatchers.SettingProblem p : Dispatchers.settingProblems(config, job.dispatcher()))
            throw new IllegalArgumentException("job " + job.name() + ": " + p.path() + ": " + p.message());
        String runId = newRunId();
        CompletableFuture<RunReport> report = new CompletableFuture<>();
        pending.put(runId, new Pending(report, trigger));
        report.whenComplete((r, e) -> pending.remove(runId));
        boolean recording = store != RunStore.NONE;
        RunListener relay = new RunListener() {
            @Override
            public void onEvent(RunEvent event) {
                if (event instanceof RunEvent.RunFinished f) {
                    RunReport finished = f.report().withTrigger(trigger);
                    RunEvent.RunFinished told = new RunEvent.RunFinished(runId, f.at(), finished);
                    // Told, and the report's stage completed, once the report is committed: whoever
                    // sees the run finished finds it in the store. The in-memory report is never lost:
                    // a store that failed for good is logged, and the run is told finished anyway.
                    store.finished(finished).whenComplete((ok, failure) -> {
                        if (failure != null) log.error("run {}: its report could not be recorded: {}", runId, failure.toString());
                        finish(runId, told, listener, report);
                    });
                    return;
                }
                if (recording) record(event);
                try {
                    listener.onEvent(event);
                } finally {
                    if (event.endsRun()) {
                        pending.remove(runId);
                        event.accept(new Settle(report));
                    }
                }
            }

            @Override
            public boolean callEvents() {
                // The store records each call; without one, the report's future needs only the run's end.
                return recording || listener.callEvents();
            }
        };
        CompletionStage<Void> accepted;
        if (system.whenTerminated().isCompleted()) {
            report.completeExceptionally(new IllegalStateException("Andon is terminated"));
            accepted = report.thenApply(r -> null);
        } else {
            // The call names only for a store that records them: without one, a 100,000-call
            // job would list them on every submission for nothing.
            accepted = store.submitted(new RunStore.Submission(runId, job.name(), trigger,
                    job.source() == null ? null : job.source().json(), job.source() != null && job.source().posted(),
                    recording ? job.calls().stream().map(dev.andon.run.CallSpec::name).toList() : java.util.List.<String>of(), Instant.now(),
                    owner == null ? new RunStore.Owner("", "", -1, -1) : owner));
            accepted.whenComplete((ok, failure) -> {
                if (failure != null) {
                    pending.remove(runId);
                    report.completeExceptionally(new IllegalStateException("the run could not be recorded: " + failure));
                } else {
                    system.tell(new AndonGuardian.StartRun(runId, job, relay, startAt));
                }
            });
        }
        return new RunHandle(runId, report, accepted);
    }

    private void finish(String runId, RunEvent.RunFinished told, RunListener listener, CompletableFuture<RunReport> report) {
        try {
            listener.onEvent(told);
        } catch (RuntimeException e) {
            log.error("run listener threw on RunFinished; ignoring it", e);
        } finally {
            // Forgotten before the future completes: whoever sees the report then sees the
            // run as finished too (abort answers false), not just most of the time.
            pending.remove(runId);
            report.complete(told.report());
        }
    }

    private void record(RunEvent event) {
        event.accept(recorder);
    }

    /** What of each kind of event the store keeps while the run is live (its report, when it finishes). */
    private final RunEvent.Visitor<Void> recorder = new RunEvent.Visitor<>() {
        @Override
        public Void runStarted(RunEvent.RunStarted e) {
            return null; // the run was recorded when it was submitted
        }

        @Override
        public Void callStarted(RunEvent.CallStarted e) {
            store.callStarted(e.runId(), e.call(), e.at());
            return null;
        }

        @Override
        public Void callProgressed(RunEvent.CallProgressed e) {
            return null;
        }

        @Override
        public Void callHeartbeat(RunEvent.CallHeartbeat e) {
            return null;
        }

        @Override
        public Void callOutput(RunEvent.CallOutput e) {
            return null;
        }

        @Override
        public Void callOutputSkipped(RunEvent.CallOutputSkipped e) {
            return null;
        }

        @Override
        public Void abortRequested(RunEvent.AbortRequested e) {
            store.abortRequested(e.runId(), e.reason(), e.at());
            return null;
        }

        @Override
        public Void callFinished(RunEvent.CallFinished e) {
            store.callFinished(e.runId(), e.report());
            return null;
        }

        @Override
        public Void runFinished(RunEvent.RunFinished e) {
            return null; // recorded whole by the relay, before the run is told finished
        }

        @Override
        public Void runRejected(RunEvent.RunRejected e) {
            return null;
        }
    };

    /** The store this Andon records its runs in ({@link RunStore#NONE} when it records nothing). */
    public RunStore store() {
        return store;
    }

    /**
     * Aborts a live run (it ends {@code ABORTED} unless it had already failed).
     *
     * @return {@code false} if no run with that id is live
     */
    public boolean abort(String runId, String reason) {
        Objects.requireNonNull(reason, "reason");
        Pending p = pending.get(runId);
        if (p == null || p.report().isDone()) return false;
        system.tell(new AndonGuardian.AbortRun(runId, reason, AbortKind.USER));
        return true;
    }

    /** The live state of a run, or empty if it is not live. */
    public CompletionStage<Optional<RunReport>> snapshot(String runId) {
        Pending p = pending.get(runId);
        Trigger trigger = p == null ? null : p.trigger();
        return Stages.answered(AskPattern.ask(system,
                        (akka.actor.typed.ActorRef<Optional<RunReport>> r) -> new AndonGuardian.GetSnapshot(runId, r),
                        settings.snapshotTimeout().plusSeconds(2), system.scheduler())) // the guardian answers empty after snapshotTimeout
                .thenApply(o -> o.map(r -> r.withTrigger(trigger)));
    }

    /** Shuts down through CoordinatedShutdown; completes when the system has terminated. */
    public CompletionStage<Done> shutdown() {
        return CoordinatedShutdown.get(system).runAll(API_SHUTDOWN);
    }

    public CompletionStage<Done> whenTerminated() {
        return system.getWhenTerminated();
    }

    /**
     * Completes once the actor system has terminated and then the run store has been closed (what
     * was queued committed, the file released): a process that exits before this may cut the
     * store's last write to disk short, and its exit waits for that write anyway.
     */
    public CompletionStage<Done> whenClosed() {
        return closed;
    }

    /** The actor system, e.g. to spawn a {@link dev.andon.run.RunSupervisor} directly. */
    public ActorSystem<?> system() {
        return system;
    }

    /** The instance's one shared HTTP client, created on first use. */
    public Supplier<HttpClient> httpClient() {
        return httpClient;
    }

    /** The instance's JDBC connection pools ({@code andon.jdbc.pools}), closed at shutdown after the runs' acks. */
    public JdbcPools jdbcPools() {
        return jdbcPools;
    }

    /** Shuts down and waits until the system has terminated. */
    @Override
    public void close() {
        shutdown().toCompletableFuture().join();
        whenTerminated().toCompletableFuture().join();
    }

    /**
     * The one HTTP client of an Andon's {@code http} calls, made when the first one runs (a client
     * has a selector thread of its own, which an Andon without http calls never needs).
     */
    private static final class SharedHttpClient implements Supplier<HttpClient> {
        private final AndonSettings settings;
        private HttpClient client; // guarded by this

        SharedHttpClient(AndonSettings settings) {
            this.settings = settings;
        }

        @Override
        public synchronized HttpClient get() {
            if (client == null) {
                client = HttpClient.newBuilder().connectTimeout(settings.httpConnectTimeout())
                        .followRedirects(settings.httpFollowRedirects()).build();
            }
            return client;
        }
    }

    private static String newRunId() {
        return runId(ThreadLocalRandom.current().nextLong());
    }

    /** A run id from 48 of {@code random}'s bits: {@code r-} and always 12 hex digits. */
    static String runId(long random) {
        return String.format("r-%012x", random >>> 16);
    }

    /** Settles a run's future with its last event: its report, or why it never started. */
    private record Settle(CompletableFuture<RunReport> report) implements RunEvent.Visitor<Void> {
        @Override
        public Void runStarted(RunEvent.RunStarted e) {
            return null;
        }

        @Override
        public Void callStarted(RunEvent.CallStarted e) {
            return null;
        }

        @Override
        public Void callProgressed(RunEvent.CallProgressed e) {
            return null;
        }

        @Override
        public Void callOutput(RunEvent.CallOutput e) {
            return null;
        }

        @Override
        public Void callOutputSkipped(RunEvent.CallOutputSkipped e) {
            return null;
        }

        @Override
        public Void callHeartbeat(RunEvent.CallHeartbeat e) {
            return null;
        }

        @Override
        public Void abortRequested(RunEvent.AbortRequested e) {
            return null;
        }

        @Override
        public Void callFinished(RunEvent.CallFinished e) {
            return null;
        }

        @Override
        public Void runFinished(RunEvent.RunFinished e) {
            report.complete(e.report());
            return null;
        }

        @Override
        public Void runRejected(RunEvent.RunRejected e) {
            report.completeExceptionally(new IllegalStateException("run rejected: " + e.reason()));
            return null;
        }
    }
}
