package dev.andon.service;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.dispatch.Dispatcher;
import dev.andon.run.AndonStats;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * The service's meters, in one Micrometer registry scraped as Prometheus text by {@code GET /metrics}.
 *
 * <h2>Families</h2>
 * {@code andon_runs_started_total}, {@code andon_runs_finished_total{status}},
 * {@code andon_calls_finished_total{status}}, {@code andon_calls_running}, {@code andon_calls_queued},
 * {@code andon_abandoned_threads{dispatcher}}, {@code andon_abandoned_calls_total},
 * {@code andon_late_completions_total}, {@code andon_sse_clients}, {@code andon_abort_to_ack_seconds{status}} and
 * {@code andon_call_duration_seconds{status}} and {@code andon_schedule_lag_seconds} (histograms),
 * {@code andon_schedule_fires_total{job,outcome}}, {@code executor_*{name=<dispatcher>}}
 * for each blocking dispatcher, and the JVM's ({@code jvm_*}, {@code process_*}, {@code system_*}).
 *
 * <h2>Threading</h2>
 * Thread-safe. The run registry records events from its actor; gauges are read at scrape time.
 */
final class ServiceMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ActorSystem<?> system;
    private final AndonStats stats;
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Counter runsStarted;
    private final AtomicLong callsRunning = new AtomicLong();
    private final AtomicLong callsQueued = new AtomicLong();
    private final Set<String> dispatchers = ConcurrentHashMap.newKeySet();
    // Looked up once per status rather than per event: the run registry records every event.
    private final Map<RunStatus, Counter> runsFinished = new EnumMap<>(RunStatus.class);
    private final Map<CallStatus, Counter> callsFinished = new EnumMap<>(CallStatus.class);
    /**
     * The buckets of {@code andon_call_duration_seconds}: calls run from milliseconds (a local HTTP
     * call) to hours (a batch job), about two buckets a decade.
     */
    static final List<Duration> CALL_DURATION_BUCKETS = List.of(Duration.ofMillis(1), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(30),
            Duration.ofHours(1), Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(24));
    /**
     * The buckets of {@code andon_abort_to_ack_seconds}: a cooperative call acks within tens or
     * hundreds of microseconds, a process tree within its kill grace, an abandoned one at the
     * abort grace (seconds). Reports carry the time in microseconds too, which is what is recorded.
     */
    static final List<Duration> ABORT_TO_ACK_BUCKETS = List.of(Duration.ofNanos(50_000), Duration.ofNanos(100_000),
            Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(60));

    private final Map<CallStatus, Timer> callDuration = new ConcurrentHashMap<>();
    private final Map<CallStatus, Timer> abortToAck = new ConcurrentHashMap<>();

    ServiceMetrics(ActorSystem<?> system) {
        this.system = system;
        this.stats = AndonStats.get(system);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        runsStarted = Counter.builder("andon.runs.started").description("Runs started").register(registry);
        for (RunStatus status : RunStatus.values()) {
            if (status.isFinal()) runsFinished.put(status, Counter.builder("andon.runs.finished")
                    .description("Runs by outcome").tag("status", status.name()).register(registry));
        }
        for (CallStatus status : CallStatus.values()) {
            if (status.isFinal()) callsFinished.put(status, Counter.builder("andon.calls.finished")
                    .description("Calls by outcome").tag("status", status.name()).register(registry));
        }
        Gauge.builder("andon.calls.running", callsRunning, AtomicLong::get)
                .description("Calls running now (or aborting)").register(registry);
        Gauge.builder("andon.calls.queued", callsQueued, AtomicLong::get)
                .description("Calls waiting for their run's max-parallelism").register(registry);
        FunctionCounter.builder("andon.abandoned.calls", stats, AndonStats::abandonedTotal)
                .description("Calls ever given up on after the abort grace").register(registry);
        FunctionCounter.builder("andon.late.completions", stats, AndonStats::lateCompletions)
                .description("Abandoned calls that have since finished on their threads").register(registry);
    }

    /**
     * Adds the gauges of {@code dispatcher} (abandoned threads, executor) once; later calls are no-ops.
     */
    void dispatcher(String dispatcher) {
        if (!dispatchers.add(dispatcher)) return;
        Gauge.builder("andon.abandoned.threads", stats, s -> s.abandonedRunning(dispatcher))
                .description("Threads of the dispatcher held by abandoned calls")
                .tag("dispatcher", dispatcher).register(registry);
        executorGauge(dispatcher, "executor.active", "threads", ThreadPoolExecutor::getActiveCount);
        executorGauge(dispatcher, "executor.queued", "tasks", e -> e.getQueue().size());
        executorGauge(dispatcher, "executor.pool.size", "threads", ThreadPoolExecutor::getPoolSize);
        executorGauge(dispatcher, "executor.pool.max", "threads", ThreadPoolExecutor::getMaximumPoolSize);
        FunctionCounter.builder("executor.completed", dispatcher, d -> executorValue(d, ThreadPoolExecutor::getCompletedTaskCount))
                .baseUnit("tasks").tag("name", dispatcher).register(registry);
    }

    /**
     * The run store's meters: {@code andon_runs_interrupted_total} and
     * {@code andon_orphans_killed_total} (found at start), {@code andon_store_write_failures_total},
     * {@code andon_store_pending_writes}, {@code andon_store_degraded} (1 while writes fail).
     */
    void store(dev.andon.store.RunStore store, dev.andon.store.Recovery.Result recovery) {
        Counter.builder("andon.runs.interrupted").description("Runs found interrupted at start (their Andon died)")
                .register(registry).increment(recovery.interrupted().size());
        Counter.builder("andon.orphans.killed").description("Processes left by interrupted runs, stopped at start")
                .register(registry).increment(recovery.orphansKilled());
        FunctionCounter.builder("andon.store.write.failures", store, s -> s.health().writeFailures())
                .description("Store transactions that failed (and were retried)").register(registry);
        Gauge.builder("andon.store.pending.writes", store, s -> s.health().pendingWrites())
                .description("Writes queued for the store").register(registry);
        Gauge.builder("andon.store.degraded", store, s -> s.health().degraded() ? 1 : 0)
                .description("1 while the store's writes fail").register(registry);
    }

    /** Reports {@code clients}, the Server-Sent Events clients connected now. */
    void eventClients(AtomicInteger clients) {
        Gauge.builder("andon.sse.clients", clients, AtomicInteger::get)
                .description("Server-Sent Events clients connected").register(registry);
    }

    /** The dispatchers seen so far (the default one, the catalog's, those of posted jobs). */
    Set<String> dispatchers() {
        return Set.copyOf(dispatchers);
    }

    /** Schedule lag buckets: a fire should start its run within milliseconds. */
    private static final List<Duration> LAG_BUCKETS = List.of(Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(20), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(5));
    private final Map<List<String>, Counter> scheduleFires = new ConcurrentHashMap<>();
    private volatile Timer scheduleLag;

    /** A schedule's fire: {@code outcome} is fired, skipped or missed ({@code andon_schedule_fires_total}). */
    void scheduleFires(String job, String outcome, long count) {
        scheduleFires.computeIfAbsent(List.of(job, outcome), k -> Counter.builder("andon.schedule.fires")
                .description("Schedule fires by outcome").tag("job", job).tag("outcome", outcome)
                .register(registry)).increment(count);
    }

    /** Fire time to run start of a fire started when due ({@code andon_schedule_lag_seconds}). */
    void scheduleLag(Duration lag) {
        Timer t = scheduleLag;
        if (t == null) {
            t = Timer.builder("andon.schedule.lag").description("Schedule fire time to run start")
                    .serviceLevelObjectives(LAG_BUCKETS.toArray(Duration[]::new)).register(registry);
            scheduleLag = t;
        }
        t.record(lag.isNegative() ? Duration.ZERO : lag);
    }

    void runStarted(int calls) {
        runsStarted.increment();
        callsQueued.addAndGet(calls);
    }

    /** A queued call got a thread. */
    void callStarted() {
        callsQueued.decrementAndGet();
        callsRunning.incrementAndGet();
    }

    /** A call reached its outcome; {@code started} tells whether it had left the queue. */
    void callFinished(CallReport report, boolean started) {
        (started ? callsRunning : callsQueued).decrementAndGet();
        CallStatus status = report.status();
        callsFinished.get(status).increment();
        if (report.durationMillis() != null) {
            callDuration.computeIfAbsent(status, s -> histogram("andon.call.duration", "How long calls ran, by outcome", s,
                            CALL_DURATION_BUCKETS))
                    .record(Duration.ofMillis(report.durationMillis()));
        }
        if (report.abortToAckMillis() != null) {
            abortToAck.computeIfAbsent(status, s -> histogram("andon.abort.to.ack",
                            "From an abort request to the call's ack (or to giving up)", s, ABORT_TO_ACK_BUCKETS))
                    .record(report.abortToAckMicros() != null ? Duration.ofNanos(report.abortToAckMicros() * 1000)
                            : Duration.ofMillis(report.abortToAckMillis()));
        }
    }

    /** A run finished; {@code running} and {@code queued} are calls it left unreported (none, normally). */
    void runFinished(RunStatus status, int running, int queued) {
        callsRunning.addAndGet(-running);
        callsQueued.addAndGet(-queued);
        runsFinished.get(status).increment();
    }

    /** The Prometheus text exposition of every meter. */
    String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    private Timer histogram(String name, String description, CallStatus status, List<Duration> buckets) {
        return Timer.builder(name).description(description).tag("status", status.name())
                .serviceLevelObjectives(buckets.toArray(Duration[]::new))
                .register(registry);
    }

    private void executorGauge(String dispatcher, String name, String unit, ToDoubleFunction<ThreadPoolExecutor> f) {
        Gauge.builder(name, dispatcher, d -> executorValue(d, f)).baseUnit(unit).tag("name", dispatcher).register(registry);
    }

    // Akka may shut an idle dispatcher's pool down and create a new one, so the executor is looked
    // up at every scrape rather than held.
    private double executorValue(String dispatcher, ToDoubleFunction<ThreadPoolExecutor> f) {
        try {
            var ec = system.dispatchers().lookup(DispatcherSelector.fromConfig(dispatcher));
            if (ec instanceof Dispatcher d && d.executorService().executor() instanceof ThreadPoolExecutor pool) {
                return f.applyAsDouble(pool);
            }
        } catch (RuntimeException e) {
            // the system is going away, or the dispatcher is not a thread pool: nothing to say
        }
        return Double.NaN;
    }
}
