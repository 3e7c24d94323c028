package dev.andon.service;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.stream.BoundedSourceQueue;
import akka.stream.javadsl.Source;
import dev.andon.Andon;
import dev.andon.RunHandle;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.EventSettings;
import dev.andon.run.JobSpec;
import dev.andon.run.ReportJson;
import dev.andon.run.RunEvent;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Remembers every run started through the service: the live ones (admitted against
 * {@code max-live-runs}), the finished ones (the last {@code history-size} to finish), and each run's events
 * for Server-Sent Events clients.
 *
 * <h2>Protocol</h2>
 * {@link Admit} starts a run and answers {@link Admitted} or {@link Refused}; {@link GetRun},
 * {@link ListRuns}, {@link AbortRun}, {@link Subscribe} answer what they ask; {@link BeginShutdown}
 * makes every later {@link Admit} refused; {@link GetSummary} tells what became of the runs that
 * were live when the shutdown began. Runs report their events here through a
 * {@link dev.andon.run.RunListener} that only sends a message.
 *
 * <h2>Events</h2>
 * A run's events are numbered from 1 ({@code id:}) in the order they happened, every kind of event
 * (heartbeats too), and a client always gets them in that order: what happened before it
 * connected, then the live ones. The events that change what a run is (starts, ends, the abort,
 * skipped output) are kept for the run's life in the registry. The passing ones (progress,
 * heartbeats, output lines) are kept only the latest {@code sse-buffer} of them, and only while the
 * run is live or among the last few to finish, so that a client that reconnects with {@code Last-Event-ID} within
 * that many gets exactly every event after it; one that comes back later gets, of the older
 * passing events, only each running call's latest progress and its retained output lines (the
 * heartbeats and superseded progress it missed are gone), still in order. See {@link Run#replay}.
 *
 * <h2>Lifecycle</h2>
 * Lives as long as the actor system; the metrics it feeds ({@link ServiceMetrics}) are updated here,
 * once per event, so that every run and every call is counted exactly once.
 */
final class RunRegistry extends AbstractBehavior<RunRegistry.Command> {

    interface Command {
    }

    /**
     * Starts {@code job} unless too many runs are live or the service is shutting down; answers
     * once the run's submission is recorded in the store.
     *
     * @param startAt when the run's calls start (see {@link Andon#submit(JobSpec, dev.andon.run.RunListener,
     *                Trigger, Instant)}); {@code null}: once its submission is committed
     * @param news    told the run's start and its end, when not null: the scheduler's lag and
     *              overlap policies wait for it
     */
    record Admit(JobSpec job, Trigger trigger, ActorRef<Admission> replyTo, Instant startAt,
                 dev.andon.schedule.Launcher.News news) implements Command {
        Admit(JobSpec job, ActorRef<Admission> replyTo) {
            this(job, Trigger.API, replyTo, null, null);
        }

        Admit(JobSpec job, Trigger trigger, ActorRef<Admission> replyTo) {
            this(job, trigger, replyTo, null, null);
        }
    }

    sealed interface Admission {
    }

    record Admitted(String runId) implements Admission {
    }

    /**
     * Why a run was not started: {@code LIMIT} (429), {@code SHUTTING_DOWN} (503), {@code INVALID}
     * (400), or {@code FIRED_BEFORE}: its trigger is a schedule's fire the store had already.
     */
    record Refused(Reason reason, String detail) implements Admission {
        enum Reason { LIMIT, SHUTTING_DOWN, INVALID, FIRED_BEFORE }
    }

    record GetRun(String runId, ActorRef<Optional<RunView>> replyTo) implements Command {
    }

    /** What the registry knows of a run: its final report once finished, else only that it is live. */
    record RunView(RunSummary summary, JobSpec job, RunReport report) {
        boolean finished() {
            return report != null;
        }
    }

    /** A run in {@code GET /runs}. */
    record RunSummary(String id, String job, RunStatus status, Instant submittedAt, Instant finishedAt,
                      Long durationMillis, int calls) {
    }

    record ListRuns(int limit, ActorRef<List<RunSummary>> replyTo) implements Command {
    }

    record AbortRun(String runId, String reason, ActorRef<AbortAnswer> replyTo) implements Command {
    }

    enum AbortAnswer { ACCEPTED, FINISHED, UNKNOWN }

    /**
     * Asks for a stream of a run's events: the ones so far numbered after {@code after} (0: all),
     * then the live ones until the run ends.
     */
    record Subscribe(String runId, int after, ActorRef<Optional<Source<ServerSentEvent, NotUsed>>> replyTo) implements Command {
    }

    record BeginShutdown(ActorRef<akka.Done> replyTo) implements Command {
    }

    record GetSummary(ActorRef<ShutdownSummary> replyTo) implements Command {
    }

    private record Recorded(RunEvent event) implements Command {
    }

    /** {@code runId}'s submission is committed. */
    private record Accepted(String runId) implements Command {
    }

    /** {@code runId}'s submission was not recorded: the run never existed. */
    private record NotAccepted(String runId) implements Command {
    }

    /**
     * Asks for the retained output of call {@code call} of run {@code runId}: empty if there is no
     * such run or call.
     */
    record GetOutput(String runId, String call, ActorRef<Optional<CallOutput>> replyTo) implements Command {
    }

    /**
     * A call's output as kept: its latest lines while it runs ({@code lines}, in order, with their
     * stream), or its report's tails once it has finished; {@code skipped}, the lines not told
     * (over the events' limit).
     */
    record CallOutput(boolean finished, List<RunEvent.CallOutput> lines, long skipped, String stdoutTail,
                      String stderrTail) {
    }

    /**
     * An event as kept: numbered, and made into JSON only when a client wants it (most runs have
     * none, and this actor sees every event of every run).
     */
    private record Logged(int seq, RunEvent event) {
        ServerSentEvent frame() {
            return ServerSentEvent.create(ReportJson.toJson(event), Optional.of(event.type()),
                    Optional.of(Integer.toString(seq)), java.util.OptionalInt.empty());
        }
    }

    /** A client's response has started streaming: its queue gets the events after {@code after}, then the live ones. */
    private record Attached(String runId, int after, BoundedSourceQueue<ServerSentEvent> queue) implements Command {
    }

    private record Unsubscribed(String runId, BoundedSourceQueue<ServerSentEvent> queue) implements Command {
    }

    /** One run as the registry keeps it. */
    private static final class Run {
        final String id;
        final JobSpec job;
        final Instant submittedAt = Instant.now();
        final List<Logged> log = new ArrayList<>();
        // The latest passing events (progress, heartbeats, output) in order, at most `window` of them,
        // and the number of the newest one no longer among them (0: none dropped yet).
        final ArrayDeque<Logged> recent = new ArrayDeque<>();
        final int window;
        int droppedUpTo;
        final Map<String, Logged> lastProgress = new LinkedHashMap<>();
        // The latest output lines of each live call (bounded), and how many were skipped.
        final Map<String, ArrayDeque<Logged>> output = new HashMap<>();
        final Map<String, Long> skippedOutput = new HashMap<>();
        final Set<String> running = new HashSet<>();
        final List<BoundedSourceQueue<ServerSentEvent>> subscribers = new ArrayList<>();
        RunStatus status = RunStatus.RUNNING;
        boolean announced;
        int queued;
        int seq;
        RunReport report;

        // The launcher's, for a schedule's run: told its start and end.
        final dev.andon.schedule.Launcher.News news;

        Run(String id, JobSpec job, int window, dev.andon.schedule.Launcher.News news) {
            this.id = id;
            this.job = job;
            this.news = news;
            this.queued = job.calls().size();
            this.window = window;
        }

        RunSummary summary() {
            return new RunSummary(id, job.name(), status, submittedAt, report == null ? null : report.finishedAt(),
                    report == null ? null : report.durationMillis(), job.calls().size());
        }

        /** Keeps a passing event (progress, heartbeat, output line) for clients that reconnect. */
        void pass(Logged e) {
            if (window == 0) {
                droppedUpTo = e.seq();
                return;
            }
            recent.addLast(e);
            if (recent.size() > window) droppedUpTo = recent.removeFirst().seq();
        }

        /** Drops the passing events kept (of a run finished a while ago). */
        void forgetPassing() {
            if (!recent.isEmpty()) droppedUpTo = recent.peekLast().seq();
            recent.clear();
        }

        /**
         * The events a client that has seen every event up to {@code after} (0: none) gets first, in
         * order: every kept event after it, every passing one after it that is still in
         * {@link #recent}, and, when it missed some that are no longer there, of those only each
         * running call's latest progress and retained output lines.
         */
        List<Logged> replay(int after) {
            List<Logged> all = new ArrayList<>(log.subList(firstAfter(log, after), log.size()));
            for (Logged e : recent) if (e.seq() > after) all.add(e);
            // `recent` holds every passing event after droppedUpTo: only a client that missed some
            // before it needs the coalesced state, of the part `recent` no longer has.
            if (after < droppedUpTo) {
                lastProgress.values().forEach(e -> {
                    if (e.seq() > after && e.seq() <= droppedUpTo) all.add(e);
                });
                output.values().forEach(lines -> lines.forEach(e -> {
                    if (e.seq() > after && e.seq() <= droppedUpTo) all.add(e);
                }));
            }
            all.sort(java.util.Comparator.comparingInt(Logged::seq));
            return all;
        }

        /** The index of the first of {@code events} (in order) numbered after {@code after}. */
        private static int firstAfter(List<Logged> events, int after) {
            int lo = 0;
            int hi = events.size();
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (events.get(mid).seq() <= after) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }
    }

    private final Andon andon;
    private final ServiceSettings settings;
    private final ServiceMetrics metrics;
    // Insertion (submission) order: live and finished runs together, oldest first.
    private final LinkedHashMap<String, Run> runs = new LinkedHashMap<>();
    // The finished runs in the order they finished, first finished first: the ones forgotten
    // first. A run that ran long is remembered from its end, however many newer runs ended before it.
    private final ArrayDeque<Run> finishOrder = new ArrayDeque<>();
    // The newest finished runs that still keep their latest passing events, oldest first.
    private final ArrayDeque<Run> replayable = new ArrayDeque<>();
    private static final int REPLAYABLE_FINISHED_RUNS = 16;
    private int live;
    // The runs live when the shutdown began, held here so that forgetting them cannot empty the summary.
    private List<Run> liveAtShutdown;

    private final ActorRef<EventHub.Command> hub;
    private final int retainedOutput;

    static Behavior<Command> create(Andon andon, ServiceSettings settings, ServiceMetrics metrics,
                                    ActorRef<EventHub.Command> hub) {
        return Behaviors.setup(ctx -> new RunRegistry(ctx, andon, settings, metrics, hub));
    }

    private RunRegistry(ActorContext<Command> context, Andon andon, ServiceSettings settings, ServiceMetrics metrics,
                        ActorRef<EventHub.Command> hub) {
        super(context);
        this.andon = andon;
        this.settings = settings;
        this.metrics = metrics;
        this.hub = hub;
        this.retainedOutput = EventSettings.from(context.getSystem().settings().config()).retainedOutputLines();
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Admit.class, this::onAdmit)
                .onMessage(Recorded.class, this::onRecorded)
                .onMessage(Accepted.class, this::onAccepted)
                .onMessage(NotAccepted.class, this::onNotAccepted)
                .onMessage(GetRun.class, this::onGetRun)
                .onMessage(ListRuns.class, this::onListRuns)
                .onMessage(AbortRun.class, this::onAbortRun)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(GetOutput.class, this::onGetOutput)
                .onMessage(Attached.class, this::onAttached)
                .onMessage(Unsubscribed.class, this::onUnsubscribed)
                .onMessage(BeginShutdown.class, this::onBeginShutdown)
                .onMessage(GetSummary.class, this::onGetSummary)
                .build();
    }

    private Behavior<Command> onAdmit(Admit m) {
        if (liveAtShutdown != null) {
            m.replyTo().tell(new Refused(Refused.Reason.SHUTTING_DOWN, "the service is shutting down"));
            return this;
        }
        if (live >= settings.maxLiveRuns()) {
            m.replyTo().tell(new Refused(Refused.Reason.LIMIT, live + " runs are live, the most allowed ("
                    + ServiceSettings.PATH + ".max-live-runs); retry when one has finished"));
            return this;
        }
        ActorRef<Command> self = getContext().getSelf();
        RunHandle handle;
        try {
            // submit only sends a message: it does not block this actor.
            handle = andon.submit(m.job(), event -> self.tell(new Recorded(event)), m.trigger(), m.startAt());
        } catch (IllegalArgumentException e) {
            m.replyTo().tell(new Refused(Refused.Reason.INVALID, e.getMessage()));
            return this;
        }
        // The run's first event is sent to this actor only after this message is handled, so the
        // run is always registered before its events arrive.
        Run run = new Run(handle.id(), m.job(), settings.sseBuffer(), m.news());
        runs.put(handle.id(), run);
        live++;
        metrics.dispatcher(m.job().dispatcher());
        // Durable before acknowledged: the answer (a 202) waits for the store to commit it. A run
        // the store did not take (a schedule's fire it had already) is forgotten, never told.
        String id = handle.id();
        handle.accepted().whenComplete((ok, failure) -> {
            if (failure == null) {
                self.tell(new Accepted(id));
                if (m.news() != null)
                    handle.report().whenComplete((report, f) -> m.news().ended(id, report == null ? null : report.status()));
                m.replyTo().tell(new Admitted(id));
            } else {
                self.tell(new NotAccepted(id));
                m.replyTo().tell(firedBefore(failure)
                        ? new Refused(Refused.Reason.FIRED_BEFORE, failure.getMessage())
                        : new Refused(Refused.Reason.SHUTTING_DOWN, "the run could not be recorded: " + failure.getMessage()));
            }
        });
        return this;
    }

    private static boolean firedBefore(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause())
            if (t instanceof dev.andon.store.RunStore.FiredBefore) return true;
        return false;
    }

    private Behavior<Command> onAccepted(Accepted m) {
        Run run = runs.get(m.runId());
        if (run != null) announce(run);
        return this;
    }

    /** Tells {@code run-submitted} once its submission is committed, before any other event of the run. */
    private void announce(Run run) {
        if (run.announced) return;
        run.announced = true;
        hub.tell(new EventHub.Publish(new ServiceEvent.RunSubmitted(run.submittedAt, run.id, run.job.name(),
                run.job.calls().size())));
    }

    private Behavior<Command> onNotAccepted(NotAccepted m) {
        Run run = runs.get(m.runId());
        if (run != null && run.report == null) forget(run);
        return this;
    }

    /** A run that never existed (its submission not recorded, or Andon shut down before it started). */
    private void forget(Run run) {
        run.subscribers.forEach(SseQueue::complete);
        runs.remove(run.id);
        live--;
    }

    private Behavior<Command> onRecorded(Recorded m) {
        RunEvent event = m.event();
        Run run = runs.get(event.runId());
        if (run == null || run.report != null) return this;
        // Its events may come before the news of its commit (both follow it, by different ways).
        if (!(event instanceof RunEvent.RunRejected)) announce(run);
        event.accept(new Recording(run));
        return this;
    }

    /** What each kind of event does to its run's record. */
    private final class Recording implements RunEvent.Visitor<Void> {
        private final Run run;

        Recording(Run run) {
            this.run = run;
        }

        @Override
        public Void runStarted(RunEvent.RunStarted e) {
            metrics.runStarted(e.calls());
            hub.tell(new EventHub.Publish(new ServiceEvent.RunStarted(e.at(), run.id, e.job(), e.calls())));
            if (run.news != null) run.news.started(run.id, e.at());
            return log(e);
        }

        @Override
        public Void callStarted(RunEvent.CallStarted e) {
            if (run.running.add(e.call())) {
                run.queued--;
                metrics.callStarted();
            }
            return log(e);
        }

        @Override
        public Void callProgressed(RunEvent.CallProgressed e) {
            // Among the recent passing events; and each call's latest, for clients that come back after those.
            Logged logged = passing(e);
            run.lastProgress.put(e.call(), logged);
            return publish(logged);
        }

        @Override
        public Void callOutput(RunEvent.CallOutput e) {
            // Only each live call's latest lines are kept: its report has the tails once it has finished.
            Logged logged = passing(e);
            retain(run, e.call(), logged);
            return publish(logged);
        }

        @Override
        public Void callHeartbeat(RunEvent.CallHeartbeat e) {
            // Kept only among the recent passing events: the run's live state has each call's last heartbeat.
            return publish(passing(e));
        }

        @Override
        public Void callOutputSkipped(RunEvent.CallOutputSkipped e) {
            run.skippedOutput.merge(e.call(), e.lines(), Long::sum);
            return log(e); // at most one a second per call
        }

        @Override
        public Void abortRequested(RunEvent.AbortRequested e) {
            run.status = RunStatus.ABORTING;
            return log(e);
        }

        @Override
        public Void callFinished(RunEvent.CallFinished e) {
            boolean started = run.running.remove(e.report().name());
            if (!started) run.queued--;
            run.lastProgress.remove(e.report().name());
            run.output.remove(e.report().name());
            metrics.callFinished(e.report(), started);
            return log(e);
        }

        @Override
        public Void runFinished(RunEvent.RunFinished e) {
            log(e);
            finish(run, e.report());
            return null;
        }

        @Override
        public Void runRejected(RunEvent.RunRejected e) {
            // Only when Andon shut down between admission and start; the run never existed.
            forget(run);
            return null;
        }

        private Logged passing(RunEvent e) {
            Logged logged = new Logged(++run.seq, e);
            run.pass(logged);
            return logged;
        }

        private Void log(RunEvent e) {
            Logged logged = new Logged(++run.seq, e);
            run.log.add(logged);
            return publish(logged);
        }

        private Void publish(Logged logged) {
            if (!run.subscribers.isEmpty()) RunRegistry.this.publish(run, logged.frame());
            return null;
        }
    }

    // Output is kept only while its call runs: once it has finished, its report has the tails.
    private void retain(Run run, String call, Logged line) {
        if (retainedOutput == 0) return;
        ArrayDeque<Logged> lines = run.output.computeIfAbsent(call, c -> new ArrayDeque<>());
        if (lines.size() == retainedOutput) lines.removeFirst();
        lines.addLast(line);
    }

    private void finish(Run run, RunReport report) {
        hub.tell(new EventHub.Publish(new ServiceEvent.RunFinished(report.finishedAt(), run.id, run.job.name(),
                report.status(), report.durationMillis())));
        run.output.clear();
        run.report = report;
        run.status = report.status();
        metrics.runFinished(report.status(), run.running.size(), Math.max(0, run.queued));
        run.running.clear();
        run.lastProgress.clear();
        run.subscribers.forEach(SseQueue::complete);
        run.subscribers.clear();
        live--;
        finishOrder.addLast(run);
        // A client cut shortly before the end still gets every event when it comes back; past the
        // newest few finished runs, only what changed the run (its report has what the rest told).
        replayable.addLast(run);
        if (replayable.size() > REPLAYABLE_FINISHED_RUNS) replayable.removeFirst().forgetPassing();
        // Only finished runs are ever forgotten: a live one stays until it has ended.
        while (finishOrder.size() > settings.historySize()) runs.remove(finishOrder.removeFirst().id);
    }

    private void publish(Run run, ServerSentEvent frame) {
        run.subscribers.removeIf(q -> {
            boolean listening = SseQueue.offer(q, frame);
            if (!listening) getContext().getLog().debug("run {}: an events client fell {} events behind or left; "
                    + "disconnecting it", run.id, settings.sseBuffer());
            return !listening;
        });
    }

    private Behavior<Command> onGetRun(GetRun m) {
        Run run = runs.get(m.runId());
        m.replyTo().tell(Optional.ofNullable(run).map(r -> new RunView(r.summary(), r.job, r.report)));
        return this;
    }

    private Behavior<Command> onListRuns(ListRuns m) {
        List<RunSummary> list = new ArrayList<>(Math.min(runs.size(), m.limit()));
        var it = runs.values().stream().toList().listIterator(runs.size());
        while (it.hasPrevious() && list.size() < m.limit()) list.add(it.previous().summary());
        m.replyTo().tell(List.copyOf(list));
        return this;
    }

    private Behavior<Command> onAbortRun(AbortRun m) {
        Run run = runs.get(m.runId());
        if (run == null) {
            m.replyTo().tell(AbortAnswer.UNKNOWN);
        } else if (run.report != null || !andon.abort(run.id, m.reason())) {
            // andon.abort is false when the run finished and its last event is still on its way here.
            m.replyTo().tell(AbortAnswer.FINISHED);
        } else {
            m.replyTo().tell(AbortAnswer.ACCEPTED);
        }
        return this;
    }

    private Behavior<Command> onSubscribe(Subscribe m) {
        Run run = runs.get(m.runId());
        if (run == null) {
            m.replyTo().tell(Optional.empty());
            return this;
        }
        // Room for what happened so far, the client's buffer, and what may happen before its
        // response starts streaming (when the queue is attached, below).
        int capacity = run.replay(m.after()).size() + 2 * settings.sseBuffer();
        ActorRef<Command> self = getContext().getSelf();
        String id = run.id;
        m.replyTo().tell(Optional.of(SseQueue.of(capacity, q -> self.tell(new Attached(id, m.after(), q)),
                q -> self.tell(new Unsubscribed(id, q)))));
        return this;
    }

    private Behavior<Command> onAttached(Attached m) {
        Run run = runs.get(m.runId());
        if (run == null) { // forgotten meanwhile
            SseQueue.complete(m.queue());
            return this;
        }
        for (Logged e : run.replay(m.after())) if (!SseQueue.offer(m.queue(), e.frame())) return this;
        if (run.report != null) SseQueue.complete(m.queue());
        else run.subscribers.add(m.queue());
        return this;
    }

    private Behavior<Command> onGetOutput(GetOutput m) {
        Run run = runs.get(m.runId());
        if (run == null || run.job.calls().stream().noneMatch(c -> c.name().equals(m.call()))) {
            m.replyTo().tell(Optional.empty());
            return this;
        }
        long skipped = run.skippedOutput.getOrDefault(m.call(), 0L);
        CallReport finished = run.report != null ? run.report.call(m.call()) : finishedCall(run, m.call());
        if (finished != null) {
            m.replyTo().tell(Optional.of(new CallOutput(true, List.of(), skipped,
                    tail(finished, "stdoutTail"), tail(finished, "stderrTail"))));
            return this;
        }
        List<RunEvent.CallOutput> lines = new ArrayList<>();
        run.output.getOrDefault(m.call(), new ArrayDeque<>()).forEach(l -> lines.add((RunEvent.CallOutput) l.event()));
        m.replyTo().tell(Optional.of(new CallOutput(false, List.copyOf(lines), skipped, null, null)));
        return this;
    }

    private static CallReport finishedCall(Run run, String call) {
        for (Logged l : run.log)
            if (l.event() instanceof RunEvent.CallFinished f && f.report().name().equals(call)) return f.report();
        return null;
    }

    private static String tail(CallReport report, String key) {
        Object v = report.details().get(key);
        return v == null ? "" : v.toString();
    }

    private Behavior<Command> onUnsubscribed(Unsubscribed m) {
        Run run = runs.get(m.runId());
        if (run != null) run.subscribers.remove(m.queue());
        return this;
    }

    private Behavior<Command> onBeginShutdown(BeginShutdown m) {
        if (liveAtShutdown == null) liveAtShutdown = runs.values().stream().filter(r -> r.report == null).toList();
        m.replyTo().tell(akka.Done.getInstance());
        return this;
    }

    private Behavior<Command> onGetSummary(GetSummary m) {
        List<Run> ids = liveAtShutdown == null ? List.of() : liveAtShutdown;
        int aborted = 0;
        int unreported = 0;
        Map<CallStatus, Integer> calls = new EnumMap<>(CallStatus.class);
        for (Run run : ids) {
            if (run.report == null) {
                unreported++;
                continue;
            }
            if (run.report.status() == RunStatus.ABORTED) aborted++;
            run.report.calls().forEach(c -> calls.merge(c.status(), 1, Integer::sum));
        }
        m.replyTo().tell(new ShutdownSummary(ids.size(), aborted, Collections.unmodifiableMap(calls), unreported));
        return this;
    }
}
