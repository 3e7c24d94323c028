package dev.andon.schedule;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
import dev.andon.run.JobSpec;
import dev.andon.run.RunStatus;
import dev.andon.store.RunStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Fires the catalog's schedules: one actor for all of them, in the service.
 *
 * <h2>Protocol</h2>
 * {@link Pause}, {@link Resume} and {@link FireNow} answer an {@link Answer} ({@link Answer.NotFound}
 * for a job without a schedule); {@link GetSchedules} answers each schedule's {@link View};
 * {@link Stop} stops firing for good (the service's shutdown, before its runs are aborted); the
 * actor stays to take its runs' ends and to answer.
 *
 * <h2>Firing</h2>
 * Each schedule has one timer, set for its next fire computed from the schedule (never from the
 * last fire plus an interval, so it does not drift). When it goes off, {@link Firing#due} says
 * which fire is due — a timer held up past several fires fires the latest and counts the others
 * missed — and {@link Firing#onFire} what it does under the schedule's {@code overlap}. A fire
 * that starts a run is launched through the {@link Launcher}, whose run's submission records the
 * fire in the {@link RunStore} in the same transaction: a (job, fire time) pair is taken at most
 * once, ever ({@link Launcher.FiredBefore} for a second attempt), and a crash leaves either both
 * the fire and its run or neither. Skips, misses and pauses are recorded there too.
 *
 * <h2>Lifecycle</h2>
 * At start it loads the store's schedules (commands wait meanwhile); a schedule seen for the
 * first time is handled from now on; for the others {@link Firing#atStart} says which missed fire
 * runs now ({@code missed: true}) and how many are recorded as missed. Pause is durable: a paused
 * schedule stays paused across restarts, and on resume the fires it slept through are not caught
 * up. A fire the launcher refuses because the service is stopping is not recorded at all: for the
 * next start it is a fire of the downtime.
 *
 * <h2>Time</h2>
 * {@code clock} says what time it is, the actor system's scheduler when to look again: a test
 * drives both (a fake clock and Akka's {@code ManualTime}) and runs months in milliseconds.
 */
public final class Scheduler extends AbstractBehavior<Scheduler.Command> {

    /** A job and its schedule. */
    public record Scheduled(JobSpec job, ScheduleSpec schedule) {
        public Scheduled {
            Objects.requireNonNull(job, "job");
            Objects.requireNonNull(schedule, "schedule");
        }
    }

    public sealed interface Command {
    }

    /** Pauses {@code job}'s schedule (durably); {@link Answer.Conflict} when it is paused already. */
    public record Pause(String job, ActorRef<Answer> replyTo) implements Command {
    }

    /** Resumes {@code job}'s schedule; {@link Answer.Conflict} when it is not paused. */
    public record Resume(String job, ActorRef<Answer> replyTo) implements Command {
    }

    /** Fires {@code job}'s schedule now ({@code manual: true}), under its overlap policy. */
    public record FireNow(String job, ActorRef<Answer> replyTo) implements Command {
    }

    public record GetSchedules(ActorRef<List<View>> replyTo) implements Command {
    }

    public record Stop(ActorRef<akka.Done> replyTo) implements Command {
    }

    /**
     * Looks at the clock now, as each schedule's timer does when it goes off, and answers once
     * every fire due was handled: after the clock jumped (a suspended host), or to drive a fake clock.
     */
    public record Wake(ActorRef<akka.Done> replyTo) implements Command {
    }

    /** What a command did. */
    public sealed interface Answer {
        /** Done: paused, resumed. */
        record Done(String job, boolean paused) implements Answer {
        }

        /** A fire started {@code runId}. */
        record Fired(String job, String runId) implements Answer {
        }

        /** A fire waits for the live run to end (buffer-one, replace). */
        record Waiting(String job, String detail) implements Answer {
        }

        /** A fire was skipped or refused. */
        record Skipped(String job, String reason) implements Answer {
        }

        record NotFound(String job) implements Answer {
        }

        record Conflict(String job, String detail) implements Answer {
        }
    }

    /** A schedule as {@code GET /schedules} shows it. */
    public record View(String job, ScheduleSpec schedule, boolean paused, List<Instant> nextFireAt, Instant lastFireAt,
                       String lastRunId, RunStatus lastRunStatus, long fired, long skipped, long missed,
                       List<String> liveRuns, Instant waiting) {
    }

    private record Loaded(Map<String, RunStore.ScheduleState> states, Throwable failure) implements Command {
    }

    private record Tick(String job) implements Command {
    }

    private record LaunchDone(Fire fire, Launcher.Outcome outcome, Throwable failure, ActorRef<Answer> replyTo,
                              boolean timely, boolean ahead) implements Command {
    }

    private record RunEnded(String job, String runId, RunStatus status) implements Command {
    }

    private record RunBegan(Fire fire, String runId, Instant at, boolean timely, boolean ahead) implements Command {
    }

    /** How many next fires a view lists. */
    static final int NEXT_FIRES = 3;
    static final String REPLACED = "replaced by schedule";
    static final String PAUSED = "the schedule was paused before its fire time";

    /** One schedule's state; replaced piecemeal by this actor only. */
    private static final class JobState {
        final String name;
        final JobSpec job;
        final ScheduleSpec spec;
        boolean paused;
        Instant handledThrough;
        Instant lastFireAt;
        String lastRunId;
        RunStatus lastRunStatus;
        long fired;
        long skipped;
        long missed;
        final Set<String> live = new LinkedHashSet<>();
        // Runs whose end was told before their launch was (the two come by different ways).
        final Set<String> endedEarly = new HashSet<>();
        int launching;
        // Runs of fires submitted ahead of their time that have not started yet (a pause aborts them),
        // and those whose start was told before their launch was.
        final Set<String> ahead = new LinkedHashSet<>();
        final Set<String> begunEarly = new HashSet<>();
        Fire waiting;
        boolean replacing;

        JobState(Scheduled s) {
            this.name = s.job().name();
            this.job = s.job();
            this.spec = s.schedule();
        }

        boolean busy() {
            return !live.isEmpty() || launching > 0;
        }
    }

    private final Map<String, JobState> jobs = new TreeMap<>();
    private final RunStore store;
    private final Launcher launcher;
    private final ScheduleObserver observer;
    private final Clock clock;
    private final TimerScheduler<Command> timers;
    private final Duration submitAhead;
    private boolean stopped;

    /**
     * @param schedules by job name
     * @param clock     what time it is; the actor system's scheduler must keep the same time
     */
    public static Behavior<Command> create(Map<String, Scheduled> schedules, RunStore store, Launcher launcher,
                                           ScheduleObserver observer, Clock clock) {
        return create(schedules, store, launcher, observer, clock, Duration.ZERO);
    }

    /**
     * @param submitAhead how long before its time a fire's run is submitted, when the fire is sure
     *                    to start it (the schedule's last run has ended, or its overlap is
     *                    {@code allow}): the run is recorded with its fire and waits to start at
     *                    the fire time; at most half the time from the fire before (or from now)
     */
    public static Behavior<Command> create(Map<String, Scheduled> schedules, RunStore store, Launcher launcher,
                                           ScheduleObserver observer, Clock clock, Duration submitAhead) {
        Objects.requireNonNull(submitAhead, "submitAhead");
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> Behaviors.withStash(1_000, stash -> {
            ctx.pipeToSelf(java.util.concurrent.CompletableFuture.supplyAsync(store::schedules, store.readExecutor()),
                    (states, failure) -> new Loaded(states, failure));
            return loading(ctx, stash, timers, schedules, store, launcher, observer, clock, submitAhead);
        })));
    }

    private static Behavior<Command> loading(ActorContext<Command> ctx, StashBuffer<Command> stash,
                                             TimerScheduler<Command> timers, Map<String, Scheduled> schedules,
                                             RunStore store, Launcher launcher, ScheduleObserver observer,
                                             Clock clock, Duration submitAhead) {
        return Behaviors.receive(Command.class)
                .onMessage(Loaded.class, m -> {
                    if (m.failure() != null) {
                        // Firing without knowing what was fired could fire twice: better none.
                        ctx.getLog().error("schedules: the store could not be read; no schedule fires", m.failure());
                        return Behaviors.stopped();
                    }
                    Scheduler s = new Scheduler(ctx, timers, schedules, store, launcher, observer, clock, submitAhead);
                    s.start(m.states());
                    return stash.unstashAll(s);
                })
                .onAnyMessage(m -> {
                    stash.stash(m);
                    return Behaviors.same();
                })
                .build();
    }

    private Scheduler(ActorContext<Command> context, TimerScheduler<Command> timers, Map<String, Scheduled> schedules,
                      RunStore store, Launcher launcher, ScheduleObserver observer, Clock clock, Duration submitAhead) {
        super(context);
        this.submitAhead = submitAhead;
        this.timers = timers;
        this.store = store;
        this.launcher = launcher;
        this.observer = observer;
        this.clock = clock;
        schedules.values().forEach(s -> jobs.put(s.job().name(), new JobState(s)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Tick.class, this::onTick)
                .onMessage(LaunchDone.class, this::onLaunchDone)
                .onMessage(RunEnded.class, this::onRunEnded)
                .onMessage(RunBegan.class, this::onRunBegan)
                .onMessage(Pause.class, this::onPause)
                .onMessage(Resume.class, this::onResume)
                .onMessage(FireNow.class, this::onFireNow)
                .onMessage(GetSchedules.class, this::onGetSchedules)
                .onMessage(Wake.class, this::onWake)
                .onMessage(Stop.class, this::onStop)
                .build();
    }

    private void start(Map<String, RunStore.ScheduleState> states) {
        Instant now = clock.instant();
        for (JobState s : jobs.values()) {
            RunStore.ScheduleState stored = states.get(s.name);
            if (stored == null || stored.handledThrough() == null) {
                s.handledThrough = now;
                store.scheduleChanged(new RunStore.ScheduleBegun(s.name, now));
                if (stored != null) s.paused = stored.paused();
            } else {
                s.paused = stored.paused();
                s.handledThrough = stored.handledThrough();
                s.lastFireAt = stored.lastFireAt();
                s.lastRunId = stored.lastRunId();
                s.lastRunStatus = stored.lastRunStatus();
                s.fired = stored.fired();
                s.skipped = stored.skipped();
                s.missed = stored.missed();
                if (!s.paused) catchUp(s, now);
            }
            if (!s.paused) arm(s, now);
        }
        long paused = jobs.values().stream().filter(s -> s.paused).count();
        getContext().getLog().info("schedules: {} {}{}", jobs.size(), jobs.size() == 1 ? "schedule" : "schedules",
                paused == 0 ? "" : " (" + paused + " paused)");
    }

    private void catchUp(JobState s, Instant now) {
        Firing.Due due = Firing.due(s.spec, s.handledThrough, now);
        Firing.CatchUp catchUp = Firing.atStart(s.spec, s.handledThrough, now);
        if (due.latest() == null) return;
        if (catchUp.missed() > 0) {
            s.missed += catchUp.missed();
            // Moved past the missed fires only when none runs: the run's fire moves it past its own.
            store.scheduleChanged(new RunStore.FiresMissed(s.name, catchUp.run() == null ? due.latest() : null,
                    catchUp.missed()));
            observer.missed(s.name, catchUp.missed());
            getContext().getLog().info("schedule {}: {} {} missed while Andon was down{}", s.name, catchUp.missed(),
                    catchUp.missed() == 1 ? "fire" : "fires", catchUp.run() == null ? "" : "; catching up " + catchUp.run());
        }
        s.handledThrough = due.latest();
        if (catchUp.run() != null) fire(s, new Fire(s.name, catchUp.run(), false, true), null);
    }

    /** Where the schedule's next fire is looked for: after the last one handled, and after now. */
    private static Instant nextFrom(JobState s, Instant now) {
        return s.handledThrough.isAfter(now) ? s.handledThrough : now;
    }

    private void arm(JobState s, Instant now) {
        Instant from = nextFrom(s, now);
        Instant next = s.spec.nextAfter(from);
        if (next == null) {
            timers.cancel(s.name);
            return;
        }
        setTimer(s, now, next.minus(ahead(from, next)));
    }

    /** How long before {@code next} its run may be submitted: never more than half the time to it from {@code from}. */
    private Duration ahead(Instant from, Instant next) {
        Duration half = Duration.between(from, next).dividedBy(2);
        return submitAhead.compareTo(half) > 0 ? half : submitAhead;
    }

    private void setTimer(JobState s, Instant now, Instant at) {
        Duration delay = Duration.between(now, at);
        timers.startSingleTimer(s.name, new Tick(s.name), delay.isNegative() ? Duration.ZERO : delay);
    }

    private Behavior<Command> onTick(Tick m) {
        JobState s = jobs.get(m.job());
        if (s == null || s.paused || stopped) return this;
        Instant now = clock.instant();
        Firing.Due due = Firing.due(s.spec, s.handledThrough, now);
        if (due.latest() == null && !submitAhead.isZero()) {
            Instant next = s.spec.nextAfter(nextFrom(s, now));
            if (next != null && !next.isAfter(now.plus(submitAhead))) {
                if (Firing.onFire(s.spec.overlap(), s.busy(), s.waiting != null) == Firing.Action.START) {
                    // Sure to start its run: submitted now, started at its time.
                    s.handledThrough = next;
                    arm(s, now);
                    launch(s, new Fire(s.name, next, false, false), null, true, next);
                } else {
                    // What it does depends on whether the live run ends before its time: decided then.
                    setTimer(s, now, next);
                }
                return this;
            }
        }
        if (due.latest() != null) {
            if (due.older() > 0) {
                // The timer was held up (a paused JVM, a clock jump): the latest fire stands for them.
                s.missed += due.older();
                store.scheduleChanged(new RunStore.FiresMissed(s.name, null, due.older()));
                observer.missed(s.name, due.older());
                getContext().getLog().warn("schedule {}: {} fires missed (the scheduler was held up); firing {}",
                        s.name, due.older(), due.latest());
            }
            s.handledThrough = due.latest();
        }
        // Set before the fire is launched: whoever sees the launch finds the next fire's timer set.
        arm(s, now);
        if (due.latest() != null) fire(s, new Fire(s.name, due.latest(), false, false), null);
        return this;
    }

    private Behavior<Command> onWake(Wake m) {
        for (String job : jobs.keySet()) onTick(new Tick(job));
        m.replyTo().tell(akka.Done.getInstance());
        return this;
    }

    private void fire(JobState s, Fire fire, ActorRef<Answer> replyTo) {
        Firing.Action action = Firing.onFire(s.spec.overlap(), s.busy(), s.waiting != null);
        switch (action) {
            case START -> launch(s, fire, replyTo, !fire.manual() && !fire.missed(), null);
            case SKIP -> {
                String reason = s.waiting != null ? "a fire is already waiting for the live run (overlap "
                        + s.spec.overlap().configName() + ")" : "the last run is live (overlap skip)";
                skip(s, fire, reason, replyTo);
            }
            case WAIT, REPLACE -> {
                s.waiting = fire;
                if (replyTo != null) replyTo.tell(new Answer.Waiting(s.name, "waits for " + String.join(", ", s.live)
                        + " to end" + (action == Firing.Action.REPLACE ? " (aborted: " + REPLACED + ")" : "")));
                if (action == Firing.Action.REPLACE) {
                    s.replacing = true;
                    for (String id : List.copyOf(s.live)) launcher.abort(id, REPLACED);
                }
                getContext().getLog().info("schedule {}: fire {} waits for {} to end{}", s.name, fire.at(),
                        String.join(", ", s.live), action == Firing.Action.REPLACE ? " (aborted: " + REPLACED + ")" : "");
            }
        }
    }

    private void skip(JobState s, Fire fire, String reason, ActorRef<Answer> replyTo) {
        s.skipped++;
        store.scheduleChanged(new RunStore.FireSkipped(s.name, fire.at(), fire.manual(), reason));
        observer.skipped(fire, reason);
        getContext().getLog().info("schedule {}: fire {} skipped: {}", s.name, fire.at(), reason);
        if (replyTo != null) replyTo.tell(new Answer.Skipped(s.name, reason));
    }

    /** @param startAt when the run starts, for a fire submitted ahead of its time; {@code null}: at once */
    private void launch(JobState s, Fire fire, ActorRef<Answer> replyTo, boolean timely, Instant startAt) {
        s.launching++;
        ActorRef<Command> self = getContext().getSelf();
        String job = s.name;
        Launcher.News news = new Launcher.News() {
            @Override
            public void started(String runId, Instant at) {
                self.tell(new RunBegan(fire, runId, at, timely, startAt != null));
            }

            @Override
            public void ended(String runId, RunStatus status) {
                self.tell(new RunEnded(job, runId, status));
            }
        };
        getContext().pipeToSelf(launcher.launch(s.job, fire, startAt, news),
                (outcome, failure) -> new LaunchDone(fire, outcome, failure, replyTo, timely, startAt != null));
    }

    private Behavior<Command> onLaunchDone(LaunchDone m) {
        JobState s = jobs.get(m.fire().job());
        s.launching--;
        Throwable failure = m.failure() instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                ? c.getCause() : m.failure();
        if (failure != null) {
            getContext().getLog().error("schedule {}: fire {} could not be launched", s.name, m.fire().at(), failure);
            skip(s, m.fire(), "could not be launched: " + failure, m.replyTo());
        } else if (m.outcome() instanceof Launcher.FiredBefore f) {
            // Another Andon on the same store, or this one before a restart: it ran (or was skipped) there.
            getContext().getLog().info("schedule {}: fire {} was recorded before; not again ({})", s.name, m.fire().at(),
                    f.detail());
            if (m.replyTo() != null) m.replyTo().tell(new Answer.Skipped(s.name, "fired before"));
        } else if (m.outcome() instanceof Launcher.Stopping st) {
            // Not a skip: nothing is recorded, and the next start sees a fire of the downtime.
            getContext().getLog().info("schedule {}: fire {} not started: {}", s.name, m.fire().at(), st.reason());
            if (m.replyTo() != null) m.replyTo().tell(new Answer.Skipped(s.name, st.reason()));
        } else if (m.outcome() instanceof Launcher.Refused r) {
            skip(s, m.fire(), "refused: " + r.reason(), m.replyTo());
        } else if (m.outcome() instanceof Launcher.Launched l) {
            if (!s.endedEarly.remove(l.runId())) s.live.add(l.runId());
            s.fired++;
            s.lastFireAt = m.fire().at();
            s.lastRunId = l.runId();
            s.lastRunStatus = s.live.contains(l.runId()) ? RunStatus.RUNNING : s.lastRunStatus;
            if (m.ahead() && !s.begunEarly.remove(l.runId()) && s.live.contains(l.runId())) {
                s.ahead.add(l.runId());
                if (s.paused) abortAhead(s);
            }
            // DEBUG: a schedule of every few seconds would fill the log; skips and misses are INFO.
            getContext().getLog().debug("schedule {}: fired {}{}{}: run {}", s.name, m.fire().at(),
                    m.fire().missed() ? " (missed, caught up)" : "", m.fire().manual() ? " (manual)" : "", l.runId());
            if (m.replyTo() != null) m.replyTo().tell(new Answer.Fired(s.name, l.runId()));
            // A replace that came while this run was being launched applies to it too.
            if (s.replacing && s.live.contains(l.runId())) launcher.abort(l.runId(), REPLACED);
        }
        startWaiting(s);
        return this;
    }

    /** A fire's run has started: the fire is told (with its lag, fire time to start, for one started when due). */
    private Behavior<Command> onRunBegan(RunBegan m) {
        JobState s = jobs.get(m.fire().job());
        if (m.ahead() && !s.ahead.remove(m.runId())) s.begunEarly.add(m.runId());
        // A run aborted while it waited for its fire time (a pause, a shutdown) "started" before
        // it, with no call run: it has no lag to count.
        Duration lag = !m.timely() || m.at().isBefore(m.fire().at()) ? null : Duration.between(m.fire().at(), m.at());
        observer.fired(m.fire(), m.runId(), lag);
        return this;
    }

    /** Aborts the runs submitted ahead of their fires that have not started: a paused schedule starts nothing. */
    private void abortAhead(JobState s) {
        for (String id : List.copyOf(s.ahead)) launcher.abort(id, PAUSED);
        s.ahead.clear();
    }

    private Behavior<Command> onRunEnded(RunEnded m) {
        JobState s = jobs.get(m.job());
        if (!s.live.remove(m.runId())) s.endedEarly.add(m.runId());
        s.ahead.remove(m.runId());
        s.begunEarly.remove(m.runId());
        if (m.runId().equals(s.lastRunId) || s.lastRunId == null) s.lastRunStatus = m.status();
        startWaiting(s);
        return this;
    }

    private void startWaiting(JobState s) {
        if (stopped || !Firing.startWaiting(s.waiting != null, s.live.size() + s.launching)) return;
        Fire fire = s.waiting;
        s.waiting = null;
        s.replacing = false;
        launch(s, fire, null, false, null);
    }

    private Behavior<Command> onPause(Pause m) {
        JobState s = jobs.get(m.job());
        if (s == null) {
            m.replyTo().tell(new Answer.NotFound(m.job()));
        } else if (s.paused) {
            m.replyTo().tell(new Answer.Conflict(m.job(), "the schedule is paused already"));
        } else {
            s.paused = true;
            timers.cancel(s.name);
            abortAhead(s);
            // Answered once durable: a paused schedule stays paused across a restart.
            store.scheduleChanged(new RunStore.SchedulePaused(s.name, true, clock.instant()))
                    .whenComplete((ok, e) -> m.replyTo().tell(new Answer.Done(m.job(), true)));
            getContext().getLog().info("schedule {}: paused", s.name);
        }
        return this;
    }

    private Behavior<Command> onResume(Resume m) {
        JobState s = jobs.get(m.job());
        if (s == null) {
            m.replyTo().tell(new Answer.NotFound(m.job()));
        } else if (!s.paused) {
            m.replyTo().tell(new Answer.Conflict(m.job(), "the schedule is not paused"));
        } else {
            Instant now = clock.instant();
            s.paused = false;
            // The fires it slept through are not caught up: resuming is not a restart.
            if (now.isAfter(s.handledThrough)) s.handledThrough = now;
            store.scheduleChanged(new RunStore.SchedulePaused(s.name, false, now))
                    .whenComplete((ok, e) -> m.replyTo().tell(new Answer.Done(m.job(), false)));
            arm(s, now);
            getContext().getLog().info("schedule {}: resumed", s.name);
        }
        return this;
    }

    private Behavior<Command> onFireNow(FireNow m) {
        JobState s = jobs.get(m.job());
        if (s == null) {
            m.replyTo().tell(new Answer.NotFound(m.job()));
            return this;
        }
        if (stopped) {
            m.replyTo().tell(new Answer.Skipped(s.name, "the service is shutting down"));
            return this;
        }
        fire(s, new Fire(s.name, clock.instant(), true, false), m.replyTo());
        return this;
    }

    private Behavior<Command> onGetSchedules(GetSchedules m) {
        Instant now = clock.instant();
        List<View> views = new ArrayList<>(jobs.size());
        for (JobState s : jobs.values()) {
            Instant from = nextFrom(s, now);
            views.add(new View(s.name, s.spec, s.paused, s.spec.next(from, NEXT_FIRES), s.lastFireAt, s.lastRunId,
                    s.lastRunStatus, s.fired, s.skipped, s.missed, List.copyOf(s.live),
                    s.waiting == null ? null : s.waiting.at()));
        }
        m.replyTo().tell(List.copyOf(views));
        return this;
    }

    private Behavior<Command> onStop(Stop m) {
        // It lives on, firing nothing, so that the ends of its runs (aborted by the shutdown) and
        // the last questions still find it.
        stopped = true;
        timers.cancelAll();
        jobs.values().forEach(s -> s.waiting = null);
        m.replyTo().tell(akka.Done.getInstance());
        return this;
    }
}
