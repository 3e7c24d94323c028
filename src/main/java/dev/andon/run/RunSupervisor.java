package dev.andon.run;

import akka.actor.Cancellable;
import akka.actor.DeadLetterSuppression;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Owns one run: hands each running call to a {@link CallWorker}, keeps the rest queued, pulls the
 * cord when a call fails (fail-fast), the deadline expires or someone aborts the run, waits for
 * every worker's acknowledgement, and reports.
 *
 * <h2>Protocol</h2>
 * In: {@link Abort}, {@link GetSnapshot}. Out: one {@link RunFinished} to {@code replyTo}, and every
 * {@link RunEvent} to the {@link RunListener}, in order, on this actor's thread.
 *
 * <h2>Lifecycle</h2>
 * At most {@code maxParallelism} calls run at once, each owned by a worker; a worker serves one
 * parallel slot. When a call succeeds, its thread takes the next queued call from the
 * {@link RunQueue} itself and its worker takes ownership of it (the ack says which); otherwise
 * the supervisor hands the idle worker the next queued call. A queued call costs no actor and no
 * thread, only its index. After the cord is pulled no call starts: running calls are sent
 * {@link CallWorker.Abort}, queued calls are reported {@code CANCELLED}. When every call has its
 * outcome the supervisor sends its report and stops — so a parent that waits for it to stop
 * (as Andon's guardian does on shutdown) never lets the system terminate under a live call.
 *
 * <h2>Embedding</h2>
 * Spawn {@link #create} inside any Akka 2.6 typed application whose configuration includes
 * Andon's {@code reference.conf} (it does when Andon's jar is on the classpath).
 */
public final class RunSupervisor extends DispatchedBehavior<RunSupervisor.Message> {
    /** Whether the actor's logger (of this class's name) logs DEBUG: asked before that logger is made. */
    private static final org.slf4j.Logger DEBUG = org.slf4j.LoggerFactory.getLogger(RunSupervisor.class);

    /** What anyone may tell a run: its public protocol. */
    public sealed interface Command extends Message {
    }

    /**
     * Everything the supervisor handles: its {@link Command}s, and what its workers, its timer
     * and its watch tell it. The behavior {@link #create} returns is narrowed to {@link Command},
     * so no one outside this package can forge a worker's word.
     */
    sealed interface Message permits Command, CallWorker.Event, CallWorker.Events, WorkerStopped, DeadlineExpired, InternalErrorGraceExpired,
            StartDue {
    }

    // Aborts and snapshot requests race with the run's end by nature; one that arrives after the
    // supervisor stopped has nothing left to do, so it is not logged as a dead letter.

    /** Aborts the run from outside; it ends {@code ABORTED} unless it had already failed. */
    public record Abort(String reason, AbortKind kind) implements Command, DeadLetterSuppression {
        public Abort {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(kind, "kind");
        }

        public Abort(String reason) {
            this(reason, AbortKind.USER);
        }
    }

    /** Asks for the run's live state: a report whose unfinished calls are QUEUED, RUNNING or ABORTING. */
    public record GetSnapshot(ActorRef<RunReport> replyTo) implements Command, DeadLetterSuppression {
    }

    /** The run's final report, sent once to {@code replyTo}. */
    public record RunFinished(RunReport report) {
    }

    private record WorkerStopped(ActorRef<CallWorker.Command> worker) implements Message {
    }

    // After an internal error, how long the calls have to acknowledge before they are given up on.
    private enum InternalErrorGraceExpired implements Message, DeadLetterSuppression { INSTANCE }

    // Scheduled with scheduleOnce, not a TimerScheduler: if it fires as the run finishes it must
    // not be logged as a dead letter.
    private enum DeadlineExpired implements Message, DeadLetterSuppression { INSTANCE }

    // Its run's start time has come (a run spawned ahead of it); none after an abort while it waited.
    private enum StartDue implements Message, DeadLetterSuppression { INSTANCE }

    /** A running call: its worker, and its live facts for snapshots. */
    private static final class Live {
        final ActorRef<CallWorker.Command> worker;
        int attempt;
        Instant startedAt;
        String thread;
        String progress;
        Instant lastHeartbeatAt;

        Live(ActorRef<CallWorker.Command> worker) {
            this.worker = worker;
        }

        /** The same worker's next call: nothing known of it yet. */
        Live reset() {
            attempt = 0;
            startedAt = null;
            thread = null;
            progress = null;
            lastHeartbeatAt = null;
            return this;
        }
    }

    /** Where Andon's actors run (see {@code andon.actor-dispatcher} in reference.conf). */
    public static final DispatcherSelector ACTOR_DISPATCHER = DispatcherSelector.fromConfig("andon.actor-dispatcher");

    private final String runId;
    private final JobSpec job;
    private final ActorRef<RunFinished> replyTo;
    private final RunListener listener;
    private final boolean listening; // whether per-call events are made (see RunListener.callEvents)
    private final CallWorker.Setup workerSetup;

    private final CallReport[] outcomes;
    private final Live[] running;  // by call index: the calls running now (null: queued or over)
    private int runningCount;
    private final ArrayDeque<ActorRef<CallWorker.Command>> idle = new ArrayDeque<>();
    private int spawned;
    private Instant startedAt;     // null while it waits for its start time
    private Cancellable startTimer; // while it waits
    private final RunQueue queue;
    private int settled;
    private int cancelledFrom;     // the calls from here on were cancelled by the cord (their outcomes may be null)
    private CallStatus cancelled;  // and this is their status
    private boolean aborting;
    private String abortReason;
    private Instant abortedAt;
    private RunStatus decided; // FAILED or ABORTED, by whichever came first
    private RunReport.Cause cause;
    private Instant causeEndedAt; // when the cause's call ended, when it is a call's failure and its end is known
    private Cancellable deadlineTimer;
    private int internalErrors;
    private final RunSignal signal;
    private final int parallelism;

    /**
     * The behavior of a run's supervisor.
     *
     * @param runId    the run's id, used in logs, events and the report
     * @param job      what to run
     * @param replyTo  gets the {@link RunFinished} report
     * @param listener gets every event; must not block
     */
    public static Behavior<Command> create(String runId, JobSpec job, ActorRef<RunFinished> replyTo,
                                           RunListener listener) {
        return create(runId, job, replyTo, listener, null);
    }

    /**
     * A run that starts at {@code startAt}: spawned ahead of it (a schedule's fire, whose run is
     * submitted and recorded before its time, so that only its start is left for that instant), it
     * tells {@link RunEvent.RunStarted} and starts its calls then; until then it is live, with every
     * call queued. An abort while it waits starts it aborted: every call {@code CANCELLED}, none run.
     *
     * @param startAt when to start; {@code null} or a past instant: now
     */
    public static Behavior<Command> create(String runId, JobSpec job, ActorRef<RunFinished> replyTo,
                                           RunListener listener, Instant startAt) {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(replyTo, "replyTo");
        Objects.requireNonNull(listener, "listener");
        return Behaviors.<Message>setup(ctx -> new RunSupervisor(ctx, runId, job, replyTo, listener, startAt)).narrow();
    }

    /** As {@link #create(String, JobSpec, ActorRef, RunListener)} without a listener. */
    public static Behavior<Command> create(String runId, JobSpec job, ActorRef<RunFinished> replyTo) {
        return create(runId, job, replyTo, RunListener.NONE);
    }

    private RunSupervisor(ActorContext<Message> context, String runId, JobSpec job,
                          ActorRef<RunFinished> replyTo, RunListener listener, Instant startAt) {
        super(context);
        this.runId = runId;
        this.job = job;
        this.replyTo = replyTo;
        this.listener = listener;
        this.listening = listener.callEvents();
        this.outcomes = new CallReport[job.calls().size()];
        this.queue = new RunQueue(outcomes.length);
        this.cancelledFrom = outcomes.length;
        this.running = new Live[outcomes.length];
        // Never more calls at once than the dispatcher has threads: the excess would wait in the
        // pool's FIFO queue, where it starves every other run on that dispatcher; here it waits
        // in this run's own queue instead, costing nothing.
        // The classic system's settings: the typed system's settings() makes a new Settings each call.
        com.typesafe.config.Config config = akka.actor.typed.javadsl.Adapter.toClassic(context.getSystem()).settings().config();
        int poolSize = BlockingExecutorConfigurator.poolSize(config, job.dispatcher());
        this.parallelism = poolSize > 0 ? Math.min(job.maxParallelism(), poolSize) : job.maxParallelism();
        this.signal = new RunSignal(job.failurePolicy() == FailurePolicy.FAIL_FAST, parallelism);
        var dispatchers = context.getSystem().dispatchers();
        Executor executor = dispatchers.lookup(DispatcherSelector.fromConfig(job.dispatcher()));
        Executor hookExecutor = dispatchers.lookup(DispatcherSelector.fromConfig("andon.abort-hook-dispatcher"));
        this.workerSetup = new CallWorker.Setup(runId, job.dispatcher(), executor, hookExecutor, job.abortGrace(),
                AndonStats.get(context.getSystem()), context.getSelf(), signal, queue, job.calls(),
                EventSettings.from(config).maxOutputLinesPerSecond());
        Duration wait = startAt == null ? Duration.ZERO : Duration.between(Instant.now(), startAt);
        if (wait.isNegative() || wait.isZero()) {
            start();
            launch();
        } else {
            startTimer = SteppedTimer.of(context.getSystem()).scheduleOnce(wait, context.getSelf(), StartDue.INSTANCE);
            // Its workers too are made now, so that its start time is left with handing them their calls.
            for (int k = Math.min(parallelism, outcomes.length); k > 0; k--) idle.add(spawnWorker());
        }
    }

    /** The run begins: its start is told, its deadline runs from now. */
    private void start() {
        startedAt = Instant.now();
        // An actor's logger is made at its first use: not for a line that DEBUG is off for.
        if (DEBUG.isDebugEnabled()) getContext().getLog().debug("run {} of job {} started: {} calls", runId, job.name(), outcomes.length);
        emit(new RunEvent.RunStarted(runId, startedAt, job.name(), outcomes.length));
        if (job.deadline() != null)
            deadlineTimer = SteppedTimer.of(getContext().getSystem()).scheduleOnce(job.deadline(), getContext().getSelf(),
                    DeadlineExpired.INSTANCE); // however long: Akka's scheduler alone takes ~24.8 days at a 1 ms tick
    }

    /** Its start time came: it starts, unless an abort started it (aborted) first. */
    private Behavior<Message> onStartDue() {
        if (startTimer == null) return this;
        startTimer = null;
        start();
        launch();
        return this;
    }

    /** An abort found it waiting for its start time: it starts now, so that the abort finds a run to stop and no call runs. */
    private void startEarlyForAbort() {
        if (startTimer == null) return;
        startTimer.cancel();
        startTimer = null;
        start();
    }

    // Matched by hand: see DispatchedBehavior.
    @Override
    public Behavior<Message> receive(TypedActorContext<Message> ctx, Message msg) {
        if (!(msg instanceof CallWorker.Events batch)) return handle(msg);
        for (CallWorker.Event e : batch.events()) {
            Behavior<Message> next = handle(e);
            if (next != this) return next; // the run finished: what is left is about calls already settled
        }
        return this;
    }

    private Behavior<Message> handle(Message msg) {
        try {
            return dispatch(msg);
        } catch (RuntimeException e) {
            getContext().getLog().error("run {}: internal error in its supervisor on {} (a bug in Andon)", runId,
                    msg.getClass().getSimpleName(), e);
            return onInternalError(e.toString());
        }
    }

    private Behavior<Message> dispatch(Message msg) {
        if (msg instanceof CallWorker.Acknowledged m) return onAcknowledged(m);
        if (msg instanceof CallWorker.Failed m) return onInternalError(m.error());
        if (msg == InternalErrorGraceExpired.INSTANCE) return onInternalErrorGraceExpired();
        if (msg instanceof CallWorker.Started m) return onStarted(m);
        if (msg instanceof CallWorker.Progressed m) return onProgressed(m);
        if (msg instanceof CallWorker.Output m) return onOutput(m);
        if (msg instanceof CallWorker.Heartbeat m) return onHeartbeat(m);
        if (msg instanceof CallWorker.OutputSkipped m) return onOutputSkipped(m);
        if (msg instanceof CallWorker.CordPulled m) return onCordPulled(m);
        if (msg instanceof Abort m) return onAbort(m);
        if (msg instanceof GetSnapshot m) return onGetSnapshot(m);
        if (msg == DeadlineExpired.INSTANCE) return onDeadlineExpired();
        if (msg == StartDue.INSTANCE) return onStartDue();
        if (msg instanceof WorkerStopped m) return onWorkerStopped(m);
        return Behaviors.unhandled();
    }

    private void launch() {
        // Nothing starts once the cord is pulled, even by a call's thread this actor has not heard from yet.
        while (!aborting && signal.reason() == null && runningCount < parallelism) {
            int i = queue.claim();
            if (i < 0) break;
            ActorRef<CallWorker.Command> worker = idle.poll();
            // One worker per parallel slot, reused from call to call: spawning and stopping an
            // actor per call would cost more than most calls.
            if (worker == null) worker = spawnWorker();
            worker.tell(new CallWorker.Run(i, job.calls().get(i)));
            setRunning(i, new Live(worker));
        }
    }

    private ActorRef<CallWorker.Command> spawnWorker() {
        int slot = spawned++;
        ActorRef<CallWorker.Command> worker = getContext().spawn(CallWorker.create(workerSetup, slot < parallelism ? slot : -1),
                "worker-" + slot, ACTOR_DISPATCHER);
        getContext().watchWith(worker, new WorkerStopped(worker));
        return worker;
    }

    private Behavior<Message> onStarted(CallWorker.Started s) {
        Live live = running[s.index()];
        if (live == null) return this;
        live.attempt = s.attempt();
        live.startedAt = s.at();
        live.thread = s.thread();
        if (listening) emit(new RunEvent.CallStarted(runId, s.at(), name(s.index()), s.attempt(), s.thread()));
        return this;
    }

    private Behavior<Message> onProgressed(CallWorker.Progressed p) {
        Live live = running[p.index()];
        Instant now = Instant.now();
        if (live != null) {
            live.progress = p.message();
            live.lastHeartbeatAt = now; // progress is a heartbeat
        }
        if (listening) emit(new RunEvent.CallProgressed(runId, now, name(p.index()), p.message()));
        return this;
    }

    private Behavior<Message> onHeartbeat(CallWorker.Heartbeat h) {
        Live live = running[h.index()];
        if (live != null) live.lastHeartbeatAt = h.at();
        if (listening) emit(new RunEvent.CallHeartbeat(runId, h.at(), name(h.index())));
        return this;
    }

    private Behavior<Message> onOutput(CallWorker.Output o) {
        if (!listening) return this;
        Instant now = Instant.now();
        if (o.skipped() > 0) emit(new RunEvent.CallOutputSkipped(runId, now, name(o.index()), o.skipped()));
        emit(new RunEvent.CallOutput(runId, now, name(o.index()), o.stream(), o.line()));
        return this;
    }

    private Behavior<Message> onOutputSkipped(CallWorker.OutputSkipped o) {
        if (listening) emit(new RunEvent.CallOutputSkipped(runId, Instant.now(), name(o.index()), o.lines()));
        return this;
    }

    private Behavior<Message> onAcknowledged(CallWorker.Acknowledged a) {
        Live live = running[a.index()];
        CallReport r = a.report();
        if (listening && live != null && live.startedAt == null && r.startedAt() != null) // it ran and ended before it could say so
            emit(new RunEvent.CallStarted(runId, r.startedAt(), r.name(), r.attempts(), r.thread()));
        if (a.next() >= 0) { // its thread went on to that call; the worker's Live moves with it
            setRunning(a.index(), null);
            setRunning(a.next(), live != null ? live.reset() : new Live(a.worker()));
        } else {
            idle.push(a.worker());
        }
        return settle(a.index(), r, a.abortRequested(), a.failure());
    }

    private Behavior<Message> settle(int index, CallReport report, boolean acked, boolean failure) {
        if (outcomes[index] != null || index >= cancelledFrom) return this;
        outcomes[index] = report;
        settled++;
        setRunning(index, null);
        if (listening) emit(new RunEvent.CallFinished(runId, Instant.now(), report, acked));
        decideFromCord();
        // The first failure heard of is the cause when nothing was decided before it; and so is
        // one that ended before the call named so far, heard of later (its news took longer, or a later
        // failure's thread pulled the cord before this call's timeout was acknowledged): the
        // first failure in time is the cause.
        boolean first = cause == null && decided == null;
        if (failure && (first || causeEndedAt != null && report.finishedAt() != null && report.finishedAt().isBefore(causeEndedAt))) {
            cause = new RunReport.Cause(report.name(), report.error());
            causeEndedAt = report.finishedAt();
            decided = RunStatus.FAILED;
        }
        if (failure && !aborting && job.failurePolicy() == FailurePolicy.FAIL_FAST) {
            String verb = report.status() == CallStatus.FAILED ? " failed" : " timed out";
            pullCord(report.name() + verb, AbortKind.SIBLING_FAILED);
        }
        launch();
        return finishIfSettled();
    }

    private Behavior<Message> onWorkerStopped(WorkerStopped m) {
        idle.remove(m.worker());
        int index = -1;
        for (int i = 0; i < running.length && index < 0; i++)
            if (running[i] != null && running[i].worker.equals(m.worker())) index = i;
        if (index < 0) return this;
        // A worker stops only with its run; one that stops in the middle of a call is our bug.
        getContext().getLog().error("worker of call {} in run {} stopped without acknowledging; reporting it FAILED",
                name(index), runId);
        Outcomes.Outcome outcome = Outcomes.of(Outcomes.Ending.WORKER_STOPPED, null, false, false);
        CallReport report = CallReport.builder(name(index), outcome.status())
                .error("java.lang.IllegalStateException: Andon's worker stopped without acknowledging (a bug in Andon)")
                .build();
        return settle(index, report, aborting, outcome.failure());
    }

    /**
     * A failing call's thread pulled the cord: the run has failed, by that call (the first to fail,
     * in time: see {@link RunSignal}), and the rest of the abort is this actor's to do.
     */
    private Behavior<Message> onCordPulled(CallWorker.CordPulled m) {
        decideFromCord();
        if (!aborting) pullCord(signal.reason(), AbortKind.SIBLING_FAILED);
        return finishIfSettled();
    }

    /**
     * If a failing call pulled the cord and nothing was decided before, the run has FAILED by it:
     * that failure came before whatever this actor is handling now (an outside abort, the
     * deadline, another call's failure acknowledged first), since the cord is pulled only once.
     */
    private void decideFromCord() {
        RunSignal.Pulled cord = signal.pulled();
        if (decided != null || cord == null || cord.failedCall() == null) return;
        decided = RunStatus.FAILED;
        cause = new RunReport.Cause(cord.failedCall(), cord.error());
        causeEndedAt = cord.endedAt();
    }

    private Behavior<Message> onAbort(Abort m) {
        startEarlyForAbort();
        decideFromCord();
        if (aborting) return this;
        if (decided == null) decided = RunStatus.ABORTED;
        pullCord(m.reason(), m.kind());
        return finishIfSettled();
    }

    /**
     * Andon failed in this run (here or in a worker): the run fails with that as its cause, unless
     * a call's failure came first, and its calls are aborted like on any failure, so that each
     * still ends with what its thread did. Should the acks not come (the bug may be in their way),
     * the calls still unsettled after the abort grace are reported ABANDONED and the run ends.
     */
    private Behavior<Message> onInternalError(String error) {
        internalErrors++;
        AndonStats.get(getContext().getSystem()).internalError(runId, error);
        if (decided != RunStatus.FAILED) {
            decided = RunStatus.FAILED;
            cause = new RunReport.Cause(null, "internal error in Andon (a bug; see the log): " + error);
        }
        if (!aborting) pullCord("internal error in Andon", AbortKind.INTERNAL_ERROR);
        if (internalErrors == 1)
            SteppedTimer.of(getContext().getSystem()).scheduleOnce(job.abortGrace().plusSeconds(1), getContext().getSelf(),
                    InternalErrorGraceExpired.INSTANCE);
        return finishIfSettled();
    }

    private Behavior<Message> onInternalErrorGraceExpired() {
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] != null) continue;
            // Still running on its thread, or never heard of again: given up on, as at the grace.
            outcomes[i] = new CallReport(name(i), CallStatus.ABANDONED, running[i] == null ? 0 : running[i].attempt,
                    running[i] == null ? null : running[i].startedAt, null, null, null,
                    "java.lang.IllegalStateException: not acknowledged after an internal error in Andon",
                    null, running[i] == null ? null : running[i].thread, null, null, null);
            settled++;
            setRunning(i, null);
            if (listening) emit(new RunEvent.CallFinished(runId, Instant.now(), outcomes[i], true));
        }
        return finishIfSettled();
    }

    private Behavior<Message> onDeadlineExpired() {
        decideFromCord();
        if (aborting) return this;
        if (decided == null) {
            decided = RunStatus.FAILED;
            cause = new RunReport.Cause(null, "deadline exceeded after " + job.deadline().toMillis() + " ms");
        }
        pullCord("deadline exceeded", AbortKind.DEADLINE);
        return finishIfSettled();
    }

    private void pullCord(String reason, AbortKind kind) {
        aborting = true;
        // Every call sees it now (unless a failing call's thread pulled it first: then that is the
        // cord); the workers' Aborts run hooks and interrupt.
        signal.pull(reason, kind);
        reason = signal.pulled().reason();
        kind = signal.pulled().kind();
        abortReason = reason;
        abortedAt = Instant.now();
        int queued = queue.close(); // calls[queued..] will never start; calls claimed so far may have
        getContext().getLog().debug("run {}: aborting ({}), {} running, {} queued", runId, reason, runningCount,
                outcomes.length - queued);
        emit(new RunEvent.AbortRequested(runId, abortedAt, reason));
        // One worker per slot in use; each stops its call, and any call its thread took on meanwhile.
        for (int i = 0; i < queued; i++)
            if (running[i] != null) running[i].worker.tell(new CallWorker.Abort(reason, kind));
        // The queued calls are settled at once, as one range; a report is made for each only when
        // something reads it (a listener of calls here, the run's report when it is read).
        cancelled = Outcomes.of(Outcomes.Ending.NEVER_STARTED, kind, false, false).status();
        cancelledFrom = queued;
        settled += outcomes.length - queued;
        if (listening) {
            for (int i = queued; i < outcomes.length; i++) {
                outcomes[i] = CallReport.notStarted(name(i), cancelled);
                emit(new RunEvent.CallFinished(runId, abortedAt, outcomes[i], false));
            }
        }
    }

    private Behavior<Message> finishIfSettled() {
        if (settled < outcomes.length) return this;
        RunReport report = report(decided != null ? decided : RunStatus.SUCCEEDED,
                new CallReports(outcomes, cancelledFrom, cancelled, job.calls()), Instant.now());
        if (DEBUG.isDebugEnabled()) getContext().getLog().debug("run {} finished {}", runId, report.status());
        if (deadlineTimer != null) deadlineTimer.cancel();
        // The listener first: it is called right here (Andon completes the report's future in it),
        // while a message to replyTo may first have to wake a thread of its dispatcher.
        emit(new RunEvent.RunFinished(runId, report.finishedAt(), report));
        replyTo.tell(new RunFinished(report));
        return Behaviors.stopped();
    }

    private Behavior<Message> onGetSnapshot(GetSnapshot m) {
        List<CallReport> calls = new ArrayList<>(outcomes.length);
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] != null) {
                calls.add(outcomes[i]);
            } else if (i >= cancelledFrom) {
                calls.add(CallReport.notStarted(name(i), cancelled));
            } else if (running[i] == null || running[i].startedAt == null) {
                // Queued; or just taken from the queue by a worker's thread with no word of it
                // here yet; or handed to a worker whose attempt waits for a thread of the pool
                // (or is starting on one) with no CallStarted yet: no CallStarted has been told
                // for it either, so the snapshot agrees with the events, never shows more calls
                // running than may run, and never a running call with no attempt nor thread.
                calls.add(CallReport.live(name(i), CallStatus.QUEUED, 0, null, null, null, null));
            } else {
                Live live = running[i];
                CallStatus status = aborting ? CallStatus.ABORTING : CallStatus.RUNNING;
                calls.add(CallReport.live(name(i), status, live.attempt, live.startedAt, live.thread, live.progress,
                        live.lastHeartbeatAt));
            }
        }
        m.replyTo().tell(report(aborting ? RunStatus.ABORTING : RunStatus.RUNNING, calls, null));
        return this;
    }

    private RunReport report(RunStatus status, List<CallReport> calls, Instant finishedAt) {
        Long duration = finishedAt == null ? null : Duration.between(startedAt, finishedAt).toMillis();
        return new RunReport(runId, job.name(), status, status == RunStatus.FAILED ? cause : null, abortReason,
                startedAt, finishedAt, duration, calls, abortedAt);
    }

    private void setRunning(int index, Live live) {
        if ((running[index] == null) != (live == null)) runningCount += live == null ? -1 : 1;
        running[index] = live;
    }

    private String name(int index) {
        return job.calls().get(index).name();
    }

    private void emit(RunEvent event) {
        try {
            listener.onEvent(event);
        } catch (RuntimeException e) {
            getContext().getLog().error("run listener threw on {}; ignoring it", event.getClass().getSimpleName(), e);
        }
    }
}
