package dev.andon.schedule;

import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import dev.andon.store.RunStore;
import java.time.Instant;
import java.util.List;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A launcher whose runs stay live until the test ends them; it records launches and aborts. Each
 * run is submitted to {@code store} as the service's launcher does (trigger {@code schedule}), so
 * that the store takes each fire once: a fire it had already is {@link FiredBefore}, not launched.
 */
final class FakeLauncher implements Launcher {
    /** @param startAt when the scheduler asked the run to start ({@code null}: at once) */
    record Launch(String runId, Fire fire, Instant startAt) {
    }

    record Aborted(String runId, String reason) {
    }

    final LinkedBlockingQueue<Launch> launches = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Aborted> aborts = new LinkedBlockingQueue<>();
    private record Live(String job, News ended) {
    }

    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final RunStore store;
    /** Runs are not told started when set: they wait for their start time, as far as the scheduler knows. */
    volatile boolean startLater;

    /** Runs end at once when set (a job far shorter than its interval). */
    volatile boolean endAtOnce;
    /** When set, each launch answers this (completed by the test) and submits nothing. */
    volatile CompletableFuture<Outcome> hold;
    /** Every fire asked to launch, in order, held ones included. */
    final LinkedBlockingQueue<Fire> attempts = new LinkedBlockingQueue<>();

    FakeLauncher(RunStore store) {
        this.store = store;
    }

    @Override
    public CompletionStage<Outcome> launch(JobSpec job, Fire fire, Instant startAt, News ended) {
        attempts.add(fire);
        CompletableFuture<Outcome> held = hold;
        if (held != null) return held;
        String id = "run-" + ids.incrementAndGet() + "-" + java.util.UUID.randomUUID();
        RunStore.Submission submission = new RunStore.Submission(id, job.name(),
                Trigger.schedule(fire.at(), fire.manual(), fire.missed()), null, false, List.of("a"), Instant.now(),
                new RunStore.Owner("test", "boot", 1, 1));
        return store.submitted(submission).handle((ok, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure;
                if (cause instanceof RunStore.FiredBefore f) return new FiredBefore(f.getMessage());
                throw new java.util.concurrent.CompletionException(cause);
            }
            // Live before it is seen launched: the test may end it as soon as it sees it.
            if (!endAtOnce) live.put(id, new Live(job.name(), ended));
            launches.add(new Launch(id, fire, startAt));
            // Started at once, whenever it was asked to (the scheduler only times its lag from it),
            // unless the test has it wait.
            if (!startLater) ended.started(id, Instant.now());
            if (endAtOnce) finish(job.name(), id, RunStatus.SUCCEEDED, ended);
            return new Launched(id);
        });
    }

    @Override
    public boolean abort(String runId, String reason) {
        if (!live.containsKey(runId)) return false;
        aborts.add(new Aborted(runId, reason));
        return true;
    }

    /** Ends {@code runId} with {@code status}: its report in the store first, as Andon does. */
    void end(String runId, RunStatus status) {
        Live l = live.remove(runId);
        if (l == null) throw new IllegalStateException(runId + " is not live");
        finish(l.job(), runId, status, l.ended());
    }

    private void finish(String job, String runId, RunStatus status, News ended) {
        Instant now = Instant.now();
        store.finished(new RunReport(runId, job, status, null, null, now, now, 0L, List.of())).toCompletableFuture().join();
        ended.ended(runId, status);
    }

    Launch next() throws InterruptedException {
        Launch l = launches.poll(30, TimeUnit.SECONDS);
        if (l == null) throw new AssertionError("no launch within 30 s");
        return l;
    }

    /** Asserts that nothing is launched within {@code d} (of real time: the actor has had its chance). */
    void expectNone(Duration d) throws InterruptedException {
        Launch l = launches.poll(d.toMillis(), TimeUnit.MILLISECONDS);
        if (l != null) throw new AssertionError("unexpected launch " + l);
    }
}
