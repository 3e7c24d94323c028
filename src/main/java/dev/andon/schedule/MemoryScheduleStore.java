package dev.andon.schedule;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link ScheduleStore} in memory: kept for as long as the instance lives (tests restart a
 * scheduler on the same instance), nothing across processes.
 */
public final class MemoryScheduleStore implements ScheduleStore {
    /**
     * How many of a job's latest claims are remembered: a fire older than these is never launched
     * (a waiting fire is at most one behind), and the catch-up never looks before
     * {@link State#handledThrough}.
     */
    static final int CLAIMS_KEPT = 1_024;

    private final Map<String, State> states = new HashMap<>();
    private final Map<String, TreeSet<Instant>> claimed = new HashMap<>();

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
        if (!fire.manual()) {
            TreeSet<Instant> claims = claimed.computeIfAbsent(fire.job(), j -> new TreeSet<>());
            if (!claims.add(fire.at())) return CompletableFuture.failedFuture(new AlreadyFired(fire));
            if (claims.size() > CLAIMS_KEPT) claims.pollFirst();
        }
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

    /**
     * Takes back the claim of {@code fire}, whose run was never submitted (the process died between
     * the two): it counts as not handled, so that the catch-up at start may run it.
     */
    synchronized void release(Fire fire) {
        TreeSet<Instant> claims = claimed.get(fire.job());
        if (claims != null) claims.remove(fire.at());
        State s = state(fire.job());
        Instant before = fire.at().minusMillis(1);
        Instant through = s.handledThrough() != null && s.handledThrough().isAfter(before) ? before : s.handledThrough();
        states.put(fire.job(), new State(through, s.paused(), s.lastFireAt(), s.lastRunId(), s.fired(), s.skipped(),
                s.missed()));
    }

    /** {@code job}'s remembered claims, oldest first. */
    synchronized List<Instant> claims(String job) {
        return List.copyOf(claimed.getOrDefault(job, new TreeSet<>()));
    }

    /** Puts back what a journal kept of {@code job}. */
    synchronized void restore(String job, State state, List<Instant> claims) {
        states.put(job, state);
        claimed.put(job, new TreeSet<>(claims));
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
