package dev.andon.schedule;

import dev.andon.run.JobSpec;
import dev.andon.run.RunStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A launcher whose runs stay live until the test ends them; it records launches and aborts. */
final class FakeLauncher implements Launcher {
    record Launch(String runId, Fire fire) {
    }

    record Aborted(String runId, String reason) {
    }

    final LinkedBlockingQueue<Launch> launches = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<Aborted> aborts = new LinkedBlockingQueue<>();
    private final Map<String, Ended> live = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    /** Runs end at once when set (a job far shorter than its interval). */
    volatile boolean endAtOnce;

    @Override
    public CompletionStage<Outcome> launch(JobSpec job, Fire fire, Ended ended) {
        String id = "run-" + ids.incrementAndGet();
        launches.add(new Launch(id, fire));
        if (endAtOnce) ended.ended(id, RunStatus.SUCCEEDED);
        else live.put(id, ended);
        return CompletableFuture.completedFuture(new Launched(id));
    }

    @Override
    public boolean abort(String runId, String reason) {
        if (!live.containsKey(runId)) return false;
        aborts.add(new Aborted(runId, reason));
        return true;
    }

    void end(String runId, RunStatus status) {
        Ended e = live.remove(runId);
        if (e == null) throw new IllegalStateException(runId + " is not live");
        e.ended(runId, status);
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
