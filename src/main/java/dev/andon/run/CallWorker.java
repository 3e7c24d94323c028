package dev.andon.run;

import akka.actor.Cancellable;
import akka.actor.DeadLetterSuppression;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import dev.andon.call.AbortedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Owns one call of a run at a time: starts each attempt on the blocking dispatcher, relays an
 * abort to it, retries with backoff, enforces the call's timeout and the abort grace, and
 * acknowledges the call's one outcome to its supervisor.
 *
 * <h2>Protocol</h2>
 * In: {@link Run} (only when idle), {@link Abort}. Out, to the supervisor: {@link Started} (for a
 * call still running when the worker hears it began), {@link Progressed}, and for every call it
 * owns — given by {@link Run}, or taken over by its thread — exactly one {@link Acknowledged},
 * which names the call taken over next, if any, or else leaves the worker idle.
 *
 * <h2>Lifecycle</h2>
 * The worker never blocks: the call runs on a dispatcher thread (see {@link Attempt}) and its
 * ending comes back as a message. On {@link Abort} the attempt's abort signal is set, its hooks run
 * and its thread is interrupted (off this actor's thread), and the grace timer starts; the ack is
 * sent when the attempt really ends — or, when the grace expires first, as {@code ABANDONED}.
 * A worker serves one parallel slot of its run, so a run of 100,000 calls spawns only
 * {@code max-parallelism} actors. When a call succeeds with no abort in sight, its thread claims
 * the run's next queued call and runs it at once (or queues it behind other runs' work, when
 * there is any); the finished call's message names that next call, and the worker owns it from
 * then on. Otherwise the worker goes idle with its ack and the supervisor hands it the next call.
 * Either way a thread that hands over never waits for the actors between two calls.
 * Every message about a call carries that call's identity (its index, its attempt's context, or
 * its sequence number), so nothing about a previous call can touch the current one.
 *
 * <h2>State</h2>
 * Idle, or owning one call: an {@link Owned} made whole when the worker takes a call and dropped
 * with its ack, so nothing of one call can leak into the next. Which outcome the call gets is not
 * decided here: the worker gathers how its last attempt ended and which abort reached it, and
 * {@link Outcomes#of} decides.
 *
 * <p>Package-private, as is its whole protocol: only its supervisor talks to it.
 */
final class CallWorker extends DispatchedBehavior<CallWorker.Command> {

    sealed interface Command {
    }

    /** Runs call {@code index}; the worker must be idle. */
    record Run(int index, CallSpec spec) implements Command {
    }

    /**
     * The run's cord has been pulled: stop the current call, and any call this worker's thread has
     * already taken from the queue. Idempotent: the first abort's reason and kind are kept. Not
     * logged as a dead letter when the worker is gone.
     */
    record Abort(String reason, AbortKind kind) implements Command, DeadLetterSuppression {
    }

    /**
     * What a worker tells its supervisor. Part of the supervisor's own protocol, so that no
     * message adapter stands between them on the hot path.
     */
    sealed interface Event extends RunSupervisor.Message {
        int index();
    }

    /** The thread of call {@code index} has pulled the run's cord for its failure (see {@link RunSignal}). */
    record CordPulled(int index) implements Event {
    }

    /**
     * An attempt began on {@code thread}. Not sent for an attempt that had already finished when
     * the worker learned that it started: its {@link Acknowledged} report says it all.
     */
    record Started(int index, int attempt, String thread, Instant at) implements Event {
    }

    /** The call reported progress. */
    record Progressed(int index, String message) implements Event {
    }

    /**
     * A call with a {@code heartbeat-timeout} is alive: its last heartbeat was at {@code at}. Told
     * at most once a second per call, however often it beats.
     */
    record Heartbeat(int index, Instant at) implements Event {
    }

    /** A line of the call's output; {@code skipped} lines over the limit were dropped before it (0 mostly). */
    record Output(int index, String stream, String line, long skipped) implements Event {
    }

    /** {@code lines} output lines over the limit were dropped since the last one told, and the attempt ended. */
    record OutputSkipped(int index, long lines) implements Event {
    }

    /**
     * The call has really stopped (or, {@code ABANDONED}, been given up on), with this outcome.
     * {@code abortRequested}: an abort reached it. {@code failure}: it counts as the run's failure
     * ({@code FAILED}, {@code TIMED_OUT}, or abandoned after its own timeout). {@code next}: the
     * call the worker's thread took from the queue and now runs, or -1 when {@code worker} is
     * idle again.
     */
    record Acknowledged(int index, ActorRef<Command> worker, CallReport report, boolean abortRequested,
                               boolean failure, int next) implements Event {
    }

    /** The worker failed as it handled a message about call {@code index} (-1: none): a bug in Andon. */
    record Failed(int index, String error) implements Event {
    }

    /**
     * Several {@link Event}s at once, in the order the worker made them: what it had to say about
     * a batch of its threads' news (see {@link #onDrain}). The supervisor handles them one by one,
     * as if each had come alone, one right after the other.
     */
    record Events(List<Event> events) implements RunSupervisor.Message {
    }

    // Messages from the attempt's thread (through the inbox: see onDrain), and timers. They may
    // arrive after the worker stopped (its run finished), so they are not logged as dead letters;
    // stale ones are ignored by identity.
    private record AttemptStarted(Attempt ctx) implements Command, DeadLetterSuppression {
    }

    private record AttemptProgressed(Attempt ctx) implements Command, DeadLetterSuppression {
    }

    private record AttemptBeat(Attempt ctx) implements Command, DeadLetterSuppression {
    }

    private record AttemptOutput(Attempt ctx, String stream, String line, long skipped)
            implements Command, DeadLetterSuppression {
    }

    /**
     * {@code next}: the queued call the attempt's thread took on when this one succeeded, or null;
     * {@code inline}: that thread runs it next (else it is on the executor's queue).
     */
    private record AttemptFinished(Attempt ctx, String result, Throwable error, boolean abortSeen,
                                   Instant at, Attempt next, boolean inline) implements Command, DeadLetterSuppression {
    }

    private record HooksDone(Attempt ctx) implements Command, DeadLetterSuppression {
    }

    /** The inbox has news from the attempts' threads: one of these for as many as came meanwhile. */
    private enum Drain implements Command, DeadLetterSuppression { INSTANCE }

    // Scheduled with scheduleOnce rather than Akka's TimerScheduler, which would drop a cancelled
    // timer's message for us: TimerScheduler needs Behaviors.withTimers around this behavior,
    // an interceptor that every message of the worker (several per call) would go through. So a
    // timer's message names its call by seq, and one that arrives for a call already acked is
    // ignored; as the run stops it is not logged as a dead letter either.
    private record TimeoutExpired(long seq) implements Command, DeadLetterSuppression {
    }

    private record GraceExpired(long seq) implements Command, DeadLetterSuppression {
    }

    /** {@code beats}: the heartbeat timer's generation; a heartbeat since it was set makes it stale. */
    private record HeartbeatExpired(long seq, long beats) implements Command, DeadLetterSuppression {
    }

    /** How often, at most, a call's heartbeats are told to the supervisor (for the live state and events). */
    private static final long HEARTBEAT_TOLD_EVERY_MILLIS = 1000;

    /**
     * At most this many of the threads' messages are handled per {@link Drain}; then the worker
     * lets its other messages (an abort, a timer) in before it goes on.
     */
    private static final int DRAIN_AT_MOST = 256;

    /** Everything a worker needs from its run, fixed for the run's life. */
    record Setup(String runId, String dispatcher, Executor executor, Executor hookExecutor, Duration abortGrace,
                 AndonStats stats, ActorRef<RunSupervisor.Message> supervisor, RunSignal runSignal, RunQueue queue,
                 List<CallSpec> calls, int maxOutputLinesPerSecond) {
    }

    // For what the attempt's thread logs (an actor's own log is for its own thread).
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CallWorker.class);

    private final Setup setup;
    private final Attempt.Sink sink;
    private final List<Cancellable> timers = new ArrayList<>(2);
    private final SteppedTimer timer; // a timeout, grace or backoff may be longer than Akka's scheduler takes
    // What the attempts' threads tell this worker (started, progress, beats, output, ends), in the
    // order they told it, and whether a Drain for it is on its way: see onDrain.
    private final ActorRef<Command> self;
    private final ConcurrentLinkedQueue<Command> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainPending = new AtomicBoolean();
    private boolean draining;
    private List<Event> outbox; // while draining: what the supervisor is told when the drain ends

    /** An abort as it reached a call or the worker: why, and when ({@code System.nanoTime()}). */
    private record Aborted(String reason, AbortKind kind, long atNanos) {
        /** The same abort, reaching a call now. */
        Aborted now() {
            return new Aborted(reason, kind, System.nanoTime());
        }
    }

    /** Everything about the call a worker owns, from its {@link Run} (or take-over) to its ack. */
    private static final class Owned {
        final long seq;                    // names the call in timers
        final int index;
        final CallSpec spec;
        Attempt attempt;                   // the current attempt (during a backoff: the next, pending)
        int attempts;                      // attempts begun or queued so far
        Instant firstStartedAt;
        final List<CallReport.Attempt> retried = new ArrayList<>(); // attempts that failed and were retried
        String lastThread;
        String lastProgress;
        // Whether the call's timeout timer was started (once, from its first start).
        boolean timeoutArmed;
        Aborted abort;                     // the abort that reached this call, once one has
        boolean hooksRunning;              // an abort's hooks have not all returned yet
        AttemptFinished finishedDuringHooks;
        Attempt startedTold;               // the attempt whose Started the supervisor has
        Cancellable heartbeat;             // the current attempt's heartbeat timer, while one runs
        long beats;                        // heartbeats seen: names the heartbeat timer
        Instant heartbeatToldAt;           // the last heartbeat told to the supervisor

        Owned(long seq, int index, CallSpec spec) {
            this.seq = seq;
            this.index = index;
            this.spec = spec;
        }
    }

    private long seq;
    private Owned call;                    // null when idle
    private Aborted runAbort;              // the run's cord, once this worker has been told of it

    /** {@code slot}: the parallel slot it serves, for {@link RunSignal#began} (-1: none). */
    static Behavior<Command> create(Setup setup, int slot) {
        return Behaviors.setup(ctx -> new CallWorker(ctx, setup, slot));
    }

    private final int slot;

    private CallWorker(ActorContext<Command> context, Setup setup, int slot) {
        super(context);
        this.setup = setup;
        this.slot = slot;
        this.timer = SteppedTimer.of(context.getSystem());
        this.self = context.getSelf();
        this.sink = new Attempt.Sink() {
            @Override
            public void started(Attempt ctx) {
                post(new AttemptStarted(ctx));
            }

            @Override
            public void progressed(Attempt ctx) {
                post(new AttemptProgressed(ctx));
            }

            @Override
            public void beat(Attempt ctx) {
                post(new AttemptBeat(ctx));
            }

            @Override
            public void output(Attempt ctx, String stream, String line, long skipped) {
                post(new AttemptOutput(ctx, stream, line, skipped));
            }

            @Override
            public void finished(Attempt ctx, String result, Throwable error, boolean abortSeen) {
                // On the attempt's thread. A call that failed for good (no abort in sight, no
                // retry due: its outcome is FAILED) pulls its fail-fast run's cord itself, so its
                // siblings see it now rather than after two actors have heard of it; the
                // supervisor, told at once, does the rest (and still decides the report).
                // When the call ended, taken before anything else is done here (asking the
                // siblings to stop can take a while). A call failing for good that did not pull the
                // cord takes it again once it has lost, so that the cord's failure never ends after
                // another that failed with it: the run's cause (the first failure in time) is then
                // the failure its abort reason names.
                Instant endedAt = Instant.now();
                Attempt next = null;
                try {
                    if (error != null && !abortSeen
                            && !setup.calls().get(ctx.index()).retry().shouldRetry(ctx.attemptNumber(), error)) {
                        if (setup.runSignal().pullForFailure(ctx.callName(), describe(error), endedAt)) {
                            // The siblings first: told first, the supervisor and the workers it wakes
                            // would take this thread's core before it had asked the siblings (16
                            // commands: their SIGTERMs went out 6 ms later).
                            setup.runSignal().stopRunning(ctx, setup.runSignal().reason());
                            setup.supervisor().tell(new CordPulled(ctx.index()));
                        } else {
                            endedAt = Instant.now();
                        }
                    }
                    // On the attempt's thread. A call that succeeded, with no abort in sight, hands its
                    // thread straight on to the run's next queued call: no round trip through this
                    // actor and the supervisor, and no wait for a pool thread, between two calls.
                    next = error == null && !abortSeen ? claimNext(ctx) : null;
                } catch (RuntimeException e) {
                    // Our bug (or a failure's own code failing in Andon's hands): the ending is
                    // still told below, or the call would never be acknowledged.
                    log.error("run {}: internal error as call {} ended (a bug in Andon)", setup.runId(), ctx.callName(), e);
                    setup.supervisor().tell(new Failed(ctx.index(), e.toString()));
                }
                boolean inline = next != null && ctx.keepsThread();
                post(new AttemptFinished(ctx, result, error, abortSeen, endedAt, next, inline));
                if (next != null) ctx.handOver(next, inline, setup.executor()); // after the tell: events stay in order
            }

            @Override
            public void hooksDone(Attempt ctx) {
                self.tell(new HooksDone(ctx));
            }
        };
    }

    /**
     * On an attempt's thread (or a pipe reader's): queues {@code m} in the inbox, and tells the
     * worker to drain it unless a {@link Drain} is already on its way, which will find {@code m}.
     */
    private void post(Command m) {
        inbox.add(m);
        if (!drainPending.get() && drainPending.compareAndSet(false, true)) self.tell(Drain.INSTANCE);
    }

    /**
     * Handles what the attempts' threads told since the last drain, in order, as if each had come
     * as a message of its own, and tells the supervisor what they make in one {@link Events}.
     * So a thread that runs a chain of handed-over calls faster than the actors keep up costs one
     * message here and one to the supervisor per batch, not two per call; when the actors keep
     * up, a batch is one call's news and nothing waits. Whatever a thread tells after its news is
     * in the inbox is handled after it: it either finds this drain's flag still set (so this
     * drain, not yet begun, will see it) or sends a Drain of its own.
     */
    private Behavior<Command> onDrain() {
        draining = true;
        try {
            int handled = 0;
            for (;;) {
                Command m;
                while (handled < DRAIN_AT_MOST && (m = inbox.poll()) != null) {
                    handled++;
                    handle(m);
                }
                if (handled >= DRAIN_AT_MOST) { // more may be waiting: let the mailbox in first, then go on
                    self.tell(Drain.INSTANCE);
                    break;
                }
                drainPending.set(false);
                // Posted after the poll above came back empty and before the flag fell: whoever
                // wins the flag now drains it.
                if (inbox.isEmpty() || !drainPending.compareAndSet(false, true)) break;
            }
        } finally {
            draining = false;
            List<Event> told = outbox;
            outbox = null;
            if (told != null) setup.supervisor().tell(told.size() == 1 ? told.get(0) : new Events(told));
        }
        return this;
    }

    /** Tells the supervisor {@code e}, at the end of the drain if one is going on (in order either way). */
    private void tell(Event e) {
        if (!draining) {
            setup.supervisor().tell(e);
            return;
        }
        if (outbox == null) outbox = new ArrayList<>(32); // a batch is mostly tens
        outbox.add(e);
    }

    // Matched by hand: see DispatchedBehavior.
    @Override
    public Behavior<Command> receive(TypedActorContext<Command> ctx, Command msg) {
        return msg == Drain.INSTANCE ? onDrain() : handle(msg);
    }

    private Behavior<Command> handle(Command msg) {
        try {
            return dispatch(msg);
        } catch (RuntimeException e) {
            // Our bug. Stopping would lose the call: its thread still runs, and only this worker
            // can tell what it did. The worker carries on with what it knows, and the supervisor
            // fails the run and stops the other calls; this one is acknowledged when it ends.
            getContext().getLog().error("run {}: internal error in the worker of call {} on {} (a bug in Andon)",
                    setup.runId(), call == null ? "(none)" : call.spec.name(), msg.getClass().getSimpleName(), e);
            tell(new Failed(call == null ? -1 : call.index, e.toString()));
            if (msg instanceof AttemptFinished m) acknowledgeWhatItDid(m);
            return this;
        }
    }

    /**
     * After failing on the ending of the current attempt: what its thread did is known, so that is
     * its outcome, with no retry (whether one was due could not be decided). If even this fails, the
     * supervisor gives up on the call after the grace.
     */
    private void acknowledgeWhatItDid(AttemptFinished m) {
        if (call == null || m.ctx() != call.attempt || call.hooksRunning) return;
        try {
            Outcomes.Ending ending = m.error() == null ? Outcomes.Ending.RETURNED
                    : m.abortSeen() ? Outcomes.Ending.THREW_AFTER_ABORT : Outcomes.Ending.THREW;
            acknowledge(Outcomes.of(ending, abortKind(), false, call.attempts > 1), m.result(),
                    m.error() == null ? null : describe(m.error()), m.at(), m.ctx().details(), null, null);
        } catch (RuntimeException again) {
            getContext().getLog().error("run {}: could not acknowledge call {} either", setup.runId(), call.spec.name(), again);
        }
    }

    private Behavior<Command> dispatch(Command msg) {
        if (msg instanceof AttemptFinished m) return onAttemptFinished(m);
        if (msg instanceof AttemptStarted m) return onAttemptStarted(m);
        if (msg instanceof Run m) return onRun(m);
        if (msg instanceof Abort m) return onAbort(m);
        if (msg instanceof AttemptProgressed m) return onAttemptProgressed(m);
        if (msg instanceof AttemptOutput m) return onAttemptOutput(m);
        if (msg instanceof AttemptBeat m) return onAttemptBeat(m);
        if (msg instanceof HeartbeatExpired m) return onHeartbeatExpired(m);
        if (msg instanceof HooksDone m) return onHooksDone(m);
        if (msg instanceof TimeoutExpired m) return onTimeoutExpired(m);
        if (msg instanceof GraceExpired m) return onGraceExpired(m);
        return Behaviors.unhandled();
    }

    /** On the thread of a call that has just succeeded: the run's next call, claimed for it, or null. */
    private Attempt claimNext(Attempt finished) {
        if (!finished.mayHandOver()) return null;
        int next = setup.queue().claim();
        if (next < 0) return null;
        return newAttempt(next, setup.calls().get(next), 1);
    }

    private Attempt newAttempt(int callIndex, CallSpec callSpec, int n) {
        return new Attempt(setup.runId(), callIndex, callSpec, n, setup.hookExecutor(), sink, setup.stats(),
                setup.dispatcher(), setup.runSignal(), setup.maxOutputLinesPerSecond(), slot);
    }

    private Behavior<Command> onRun(Run m) {
        if (call != null) throw new IllegalStateException("worker busy with call " + call.index + ", given " + m.index());
        begin(m.index(), m.spec());
        startAttempt(1);
        return this;
    }

    /**
     * The call a thread took on from the queue is now this worker's. {@code inlineThread}: the
     * thread runs it right away and sends no {@code started} for it, so the worker says it
     * started (at {@code at}, give or take microseconds) unless it is already over — or cancelled here.
     */
    private void takeOver(Attempt next, String inlineThread, Instant at) {
        Owned c = begin(next.index(), setup.calls().get(next.index()));
        c.attempts = 1;
        c.attempt = next;
        if (runAbort != null) abort(runAbort.now()); // it was claimed just before the cord
        if (inlineThread != null && call == c && c.attempt == next && !next.isOver()) {
            c.startedTold = next;
            Instant startedAt = next.startedAt() != null ? next.startedAt() : at;
            armTimeout(startedAt);
            armHeartbeat();
            tell(new Started(c.index, 1, inlineThread, startedAt));
        }
    }

    private Owned begin(int callIndex, CallSpec callSpec) {
        call = new Owned(++seq, callIndex, callSpec);
        return call;
    }

    private void startAttempt(int n) {
        call.attempts = n;
        call.attempt = newAttempt(call.index, call.spec, n);
        setup.executor().execute(call.attempt);
    }

    private Behavior<Command> onAttemptStarted(AttemptStarted m) {
        Attempt ctx = m.ctx();
        // A call that is already over needs no "started" of its own: its ack carries when and
        // where it ran. This keeps a short call to one message to the supervisor.
        if (call == null || ctx != call.attempt || ctx.isOver()) return this;
        tellStarted(ctx);
        return this;
    }

    /** Tells the supervisor once per attempt that it started, before anything else about it. */
    private void tellStarted(Attempt ctx) {
        if (call.startedTold == ctx) return;
        call.startedTold = ctx;
        noteStarted(ctx);
        armHeartbeat(); // before the supervisor hears of it: whoever sees the start sees the timer set
        tell(new Started(call.index, ctx.attemptNumber(), ctx.threadName(), ctx.startedAt()));
    }

    /**
     * (Re)starts the current attempt's heartbeat timer: {@code heartbeat-timeout} from now. Reset on
     * every heartbeat the worker hears of (they are coalesced, so at most once per message handled).
     */
    private void armHeartbeat() {
        Duration limit = call.spec.heartbeatTimeout();
        if (limit == null) return;
        if (call.heartbeat != null) call.heartbeat.cancel();
        call.heartbeat = timer.scheduleOnce(limit, getContext().getSelf(), new HeartbeatExpired(call.seq, ++call.beats));
    }

    private void disarmHeartbeat() {
        if (call.heartbeat == null) return;
        call.heartbeat.cancel();
        call.heartbeat = null;
        call.beats++;
    }

    /**
     * The current attempt beat: reset its timer, and ({@code tell}) tell the supervisor when it
     * last heard one (a progress message says so itself).
     */
    private void heard(Attempt ctx, boolean tell) {
        if (call.heartbeat == null || call.abort != null || ctx.isOver()) return;
        armHeartbeat();
        if (!tell) return;
        Instant now = Instant.now();
        if (call.heartbeatToldAt == null || now.toEpochMilli() - call.heartbeatToldAt.toEpochMilli() >= HEARTBEAT_TOLD_EVERY_MILLIS) {
            call.heartbeatToldAt = now;
            tell(new Heartbeat(call.index, now));
        }
    }

    private Behavior<Command> onAttemptBeat(AttemptBeat m) {
        m.ctx().takeBeat();
        if (call == null || m.ctx() != call.attempt) return this;
        tellStarted(m.ctx()); // events stay in order: a call is started before it beats
        heard(m.ctx(), true);
        return this;
    }

    private Behavior<Command> onHeartbeatExpired(HeartbeatExpired m) {
        Owned c = call;
        if (c == null || m.seq() != c.seq || m.beats() != c.beats || c.attempt == null || c.attempt.isOver()) return this;
        return abort(new Aborted("no heartbeat for " + shown(c.spec.heartbeatTimeout()), AbortKind.HEARTBEAT,
                System.nanoTime()));
    }

    /** A duration as a person writes it: {@code 30s}, {@code 1500ms}. */
    private static String shown(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private Behavior<Command> onAttemptProgressed(AttemptProgressed m) {
        String message = m.ctx().takeProgress();
        if (call == null || m.ctx() != call.attempt || message == null) return this;
        tellStarted(m.ctx()); // events stay in order: a call is started before it progresses
        call.lastProgress = message;
        heard(m.ctx(), false); // progress is a heartbeat; its timer is reset before the supervisor hears of it
        tell(new Progressed(call.index, message));
        return this;
    }

    private Behavior<Command> onAttemptOutput(AttemptOutput m) {
        if (call == null || m.ctx() != call.attempt) return this;
        tellStarted(m.ctx()); // events stay in order: a call is started before its output
        tell(new Output(call.index, m.stream(), m.line(), m.skipped()));
        return this;
    }

    private Behavior<Command> onAttemptFinished(AttemptFinished m) {
        Attempt ctx = m.ctx();
        boolean current = call != null && ctx == call.attempt;
        if (m.next() != null && (!current || call.hooksRunning)) {
            // Cannot happen: a thread goes on to another call only when no abort was requested of
            // the one it finished (Attempt.mayHandOver), so that one is current and has no hooks running.
            getContext().getLog().error("call {} of run {} handed its thread on to call {} out of turn (a bug in Andon)",
                    ctx.callName(), setup.runId(), m.next().callName());
        }
        if (!current) return this;
        Owned c = call;
        // The pipe readers are done (or given up on) before a call returns: the count is final.
        long skipped = ctx.takeSkippedOutput();
        if (skipped > 0) tell(new OutputSkipped(c.index, skipped));
        // Hooks a failing sibling's thread set off (RunSignal.stopRunning) before this worker's abort came.
        if (!c.hooksRunning && ctx.hooksRunning()) c.hooksRunning = true;
        if (c.hooksRunning) {
            // Ack only once the hooks have returned too, so that nothing of this call runs after
            // its run has reported (and possibly after the system is gone).
            c.finishedDuringHooks = m;
            return this;
        }
        noteStarted(ctx);
        if (ctx.lastProgress() != null) c.lastProgress = ctx.lastProgress();
        // It may have seen the run's cord before this worker got its Abort: that abort is its own.
        if (m.error() != null && m.abortSeen() && c.abort == null) c.abort = runCord();
        Outcomes.Ending ending = m.error() == null ? Outcomes.Ending.RETURNED
                : m.abortSeen() ? Outcomes.Ending.THREW_AFTER_ABORT : Outcomes.Ending.THREW;
        boolean retryDue = m.error() != null && c.spec.retry().shouldRetry(ctx.attemptNumber(), m.error());
        Outcomes.Outcome outcome = Outcomes.of(ending, abortKind(), retryDue, c.attempts > 1);
        String error = m.error() == null ? null : describe(m.error());
        if (outcome.isRetry()) {
            Duration delay = c.spec.retry().delayAfter(ctx.attemptNumber());
            c.retried.add(new CallReport.Attempt(ctx.startedAt(), m.at()));
            String note = "attempt " + ctx.attemptNumber() + " failed (" + error + "); retrying in "
                    + delay.toMillis() + " ms";
            c.lastProgress = note;
            tellStarted(ctx);
            disarmHeartbeat(); // no heartbeats during the backoff: the next attempt's timer starts when it does
            tell(new Progressed(c.index, note));
            backOff(delay, m.at());
            return this;
        }
        acknowledge(outcome, m.result(), error, m.at(), ctx.details(), null, m.next());
        if (m.next() != null) takeOver(m.next(), m.inline() ? ctx.threadName() : null, m.at());
        return this;
    }

    private void noteStarted(Attempt ctx) {
        if (ctx.startedAt() == null) return;
        if (call.firstStartedAt == null) call.firstStartedAt = ctx.startedAt();
        armTimeout(call.firstStartedAt);
        call.lastThread = ctx.threadName();
    }

    /**
     * Starts the call's timeout, once, from {@code start}: the instant its first attempt started on
     * its thread, which its report gives as its start (not when this worker took it on: before a
     * thread was free, or after the thread had begun it).
     */
    private void armTimeout(Instant start) {
        Duration timeout = call.spec.timeout();
        if (timeout == null || call.timeoutArmed) return;
        call.timeoutArmed = true;
        Duration left = timeout.minus(Duration.between(start, Instant.now()));
        schedule(new TimeoutExpired(call.seq), left.isNegative() ? Duration.ZERO : left);
    }

    private Behavior<Command> onHooksDone(HooksDone m) {
        if (call == null || m.ctx() != call.attempt) return this;
        call.hooksRunning = false;
        AttemptFinished finished = call.finishedDuringHooks;
        call.finishedDuringHooks = null;
        return finished == null ? this : onAttemptFinished(finished);
    }

    /**
     * The next attempt, due {@code delay} after the failed one ended at {@code failedAt}. It is
     * made now, pending (an abort during the backoff cancels it, as one queued in the pool), and
     * the timer hands it to the pool from the scheduler's thread: the backoff is timed from the
     * failure, not from when this worker heard of it, and its end waits for no turn of this
     * actor on a busy dispatcher.
     */
    private void backOff(Duration delay, Instant failedAt) {
        Attempt next = newAttempt(call.index, call.spec, call.attempts + 1);
        call.attempts++;
        call.attempt = next;
        Duration heardLate = Duration.between(failedAt, Instant.now());
        Duration left = heardLate.isNegative() ? delay : delay.minus(heardLate);
        Executor executor = setup.executor();
        RunSignal cord = setup.runSignal();
        // A cord pulled meanwhile: the worker's Abort, on its way, cancels the attempt.
        timers.add(timer.scheduleOnce(left.isNegative() ? Duration.ZERO : left, () -> {
            if (cord.reason() == null) executor.execute(next);
        }));
    }

    private Behavior<Command> onTimeoutExpired(TimeoutExpired m) {
        if (call == null || m.seq() != call.seq) return this;
        return abort(new Aborted("timed out after " + call.spec.timeout().toMillis() + " ms", AbortKind.TIMEOUT,
                System.nanoTime()));
    }

    private Behavior<Command> onAbort(Abort m) {
        Aborted abort = new Aborted(m.reason(), m.kind(), System.nanoTime());
        if (runAbort == null) runAbort = abort;
        if (call == null) return this; // idle: its thread took nothing from the queue
        return abort(abort);
    }

    private Behavior<Command> abort(Aborted abort) {
        Owned c = call;
        if (c.abort != null) return this;
        c.abort = abort;
        cancelTimers();
        Instant now = Instant.now();
        if (c.attempt.cancelIfPending()) { // in the pool's queue, or a retry's backoff: it will never run
            c.attempts--; // the queued attempt never began
            Outcomes.Outcome outcome = Outcomes.of(Outcomes.Ending.NEVER_STARTED, abort.kind(), false, c.attempts > 0);
            String error = outcome.status() == CallStatus.CANCELLED ? null : abortError();
            return acknowledge(outcome, null, error, now, Map.of(), null, null);
        }
        c.hooksRunning = c.attempt.requestAbort(abort.reason());
        schedule(new GraceExpired(c.seq), setup.abortGrace());
        return this;
    }

    private Behavior<Command> onGraceExpired(GraceExpired m) {
        Owned c = call;
        if (c == null || m.seq() != c.seq || c.attempt == null) return this;
        if (c.finishedDuringHooks != null) {
            // The call stopped but a hook is still stuck: the call's outcome is known; report it.
            getContext().getLog().warn("abort hook of call {} of run {} still running {} ms after abort; acknowledging anyway",
                    c.spec.name(), setup.runId(), setup.abortGrace().toMillis());
            return onHooksDone(new HooksDone(c.attempt));
        }
        List<String> stack = c.attempt.stackTrace();
        if (!c.attempt.abandon()) return this; // it finished just now; its AttemptFinished is on its way
        noteStarted(c.attempt);
        getContext().getLog().warn("call {} of run {} ABANDONED: not stopped {} ms after abort ({}); still running on {}",
                c.spec.name(), setup.runId(), setup.abortGrace().toMillis(), c.abort.reason(), c.lastThread);
        return acknowledge(Outcomes.of(Outcomes.Ending.NOT_STOPPED, abortKind(), false, c.attempts > 1), null,
                abortError(), null, c.attempt.details(), stack, null);
    }

    private Behavior<Command> acknowledge(Outcomes.Outcome outcome, String result, String error, Instant finishedAt,
                                          Map<String, Object> details, List<String> stackTrace, Attempt next) {
        Owned c = call;
        CallStatus status = outcome.status();
        cancelTimers();
        // Abort to ack is the time an abort took to stop the call: only for the outcomes an abort
        // gave. A call that failed or returned while an abort was on its way was not stopped by it.
        boolean stoppedByAbort = status == CallStatus.ABORTED || status == CallStatus.ABANDONED
                || status == CallStatus.TIMED_OUT;
        Long abortToAckNanos = c.abort == null || !stoppedByAbort ? null : System.nanoTime() - c.abort.atNanos();
        // A call abandoned after its own timeout still failed by that timeout: say so.
        boolean timedOut = status == CallStatus.TIMED_OUT || status == CallStatus.ABANDONED && abortKind().isOwnTimeout();
        if (timedOut) error = "java.util.concurrent.TimeoutException: " + c.abort.reason()
                + (status == CallStatus.ABANDONED ? " (abandoned: not stopped within the abort grace)"
                : error == null ? "" : " (" + error + ")");
        Long durationMillis = c.firstStartedAt == null || finishedAt == null ? null
                : finishedAt.toEpochMilli() - c.firstStartedAt.toEpochMilli();
        CallReport.Builder built = CallReport.builder(c.spec.name(), status).attempts(c.attempts)
                .ran(c.firstStartedAt, c.firstStartedAt == null ? null : finishedAt).durationMillis(durationMillis)
                .result(result).error(error).thread(c.lastThread)
                .stackTrace(stackTrace).details(details).attemptTimes(attemptTimes(c, finishedAt));
        if (abortToAckNanos != null) built.abortToAckNanos(abortToAckNanos);
        CallReport report = built.build(); // no progress: it is live-only
        tell(new Acknowledged(c.index, getContext().getSelf(), report, c.abort != null,
                outcome.failure(), next == null ? -1 : next.index()));
        call = null;
        return this;
    }

    // The retried attempts, then the last one: it began after the last backoff (if it began at all).
    private static List<CallReport.Attempt> attemptTimes(Owned c, Instant finishedAt) {
        if (c.retried.isEmpty()) return List.of();
        List<CallReport.Attempt> all = new ArrayList<>(c.retried);
        Instant lastStart = c.attempt != null ? c.attempt.startedAt() : null;
        if (lastStart != null) all.add(new CallReport.Attempt(lastStart, finishedAt));
        return all;
    }

    /** The run's cord as the calls see it, or null while it is not pulled. */
    private Aborted runCord() {
        RunSignal.Pulled cord = setup.runSignal().pulled();
        return cord == null ? null : new Aborted(cord.reason(), cord.kind(), cord.atNanos());
    }

    private AbortKind abortKind() {
        return call.abort == null ? null : call.abort.kind();
    }

    private void schedule(Command message, Duration delay) {
        timers.add(timer.scheduleOnce(delay, getContext().getSelf(), message));
    }

    private void cancelTimers() {
        timers.forEach(Cancellable::cancel);
        timers.clear();
        if (call != null) disarmHeartbeat();
    }

    private String abortError() {
        return new AbortedException(call.abort.reason()).toString();
    }

    /**
     * {@code t} as the report shows it: its {@code toString()}, or, when that throws (a user's
     * exception whose message cannot be read), its class and what went wrong, so that a call
     * that failed is reported FAILED, not lost.
     */
    static String describe(Throwable t) {
        try {
            return t.toString();
        } catch (RuntimeException e) {
            return t.getClass().getName() + " (its message could not be read: " + e + ")";
        }
    }
}
