package dev.andon.schedule;

import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link ScheduleStore} in memory: kept for as long as the instance lives (tests restart a
 * scheduler on the same instance), nothing across processes.
 */
public final class MemoryScheduleStore implements ScheduleStore {
    private final Map<String, State> states = new HashMap<>();
    private final Set<Fire> claimed = new HashSet<>();

    private static final CompletionStage<Void> DONE = CompletableFuture.completedFuture(null);

    @Override
    public synchronized CompletionStage<Map<String, State>> load() {
        return CompletableFuture.completedFuture(Map.copyOf(states));
    }

    @Override
    public synchronized CompletionStage<Void> begin(String job, Instant since) {
        states.putIfAbsent(job, new State(since, false, null, null, 0, 0, 0));
        return DONE;
    }

    @Override
    public synchronized CompletionStage<Void> claim(Fire fire) {
        if (!fire.manual() && !claimed.add(new Fire(fire.job(), fire.at(), false, false)))
            return CompletableFuture.failedFuture(new AlreadyFired(fire));
        State s = state(fire.job());
        states.put(fire.job(), new State(later(s.handledThrough(), fire), s.paused(), fire.at(), s.lastRunId(),
                s.fired(), s.skipped(), s.missed()));
        return DONE;
    }

    @Override
    public synchronized CompletionStage<Void> launched(Fire fire, String runId, String reason) {
        State s = state(fire.job());
        states.put(fire.job(), new State(s.handledThrough(), s.paused(), s.lastFireAt(),
                runId != null ? runId : s.lastRunId(), s.fired() + (runId != null ? 1 : 0),
                s.skipped() + (runId != null ? 0 : 1), s.missed()));
        return DONE;
    }

    @Override
    public synchronized CompletionStage<Void> skipped(Fire fire, String reason) {
        State s = state(fire.job());
        states.put(fire.job(), new State(later(s.handledThrough(), fire), s.paused(), s.lastFireAt(), s.lastRunId(),
                s.fired(), s.skipped() + 1, s.missed()));
        return DONE;
    }

    @Override
    public synchronized CompletionStage<Void> missed(String job, Instant latest, long count) {
        State s = state(job);
        Instant through = latest != null && (s.handledThrough() == null || latest.isAfter(s.handledThrough()))
                ? latest : s.handledThrough();
        states.put(job, new State(through, s.paused(), s.lastFireAt(), s.lastRunId(), s.fired(), s.skipped(),
                s.missed() + count));
        return DONE;
    }

    @Override
    public synchronized CompletionStage<Void> paused(String job, boolean paused, Instant at) {
        State s = state(job);
        Instant through = !paused && (s.handledThrough() == null || at.isAfter(s.handledThrough())) ? at : s.handledThrough();
        states.put(job, new State(through, paused, s.lastFireAt(), s.lastRunId(), s.fired(), s.skipped(), s.missed()));
        return DONE;
    }

    private State state(String job) {
        return states.getOrDefault(job, new State(null, false, null, null, 0, 0, 0));
    }

    private static Instant later(Instant through, Fire fire) {
        // A manual fire is no fire of the schedule: it moves nothing the catch-up looks at.
        if (fire.manual()) return through;
        return through == null || fire.at().isAfter(through) ? fire.at() : through;
    }
}
