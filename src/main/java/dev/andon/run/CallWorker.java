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
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

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
 * The worker never blocks: the call runs on a dispatcher thread (see {@link CallContext}) and its
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
 */
public final class CallWorker extends DispatchedBehavior<CallWorker.Command> {

    public interface Command {
    }

    /** Runs call {@code index}; the worker must be idle. */
    public record Run(int index, CallSpec spec) implements Command {
    }

    /**
     * The run's cord has been pulled: stop the current call, and any call this worker's thread has
     * already taken from the queue. Idempotent: the first abort's reason and kind are kept. Not
     * logged as a dead letter when the worker is gone.
     */
    public record Abort(String reason, AbortKind kind) implements Command, DeadLetterSuppression {
    }

    /**
     * What a worker tells its supervisor. Part of the supervisor's own protocol, so that no
     * message adapter stands between them on the hot path.
     */
    public sealed interface Event extends RunSupervisor.Command {
        int index();
    }

    /**
     * An attempt began on {@code thread}. Not sent for an attempt that had already finished when
     * the worker learned that it started: its {@link Acknowledged} report says it all.
     */
    public record Started(int index, int attempt, String thread, Instant at) implements Event {
    }

    /** The call reported progress. */
    public record Progressed(int index, String message) implements Event {
    }

    /**
     * The call has really stopped (or, {@code ABANDONED}, been given up on), with this outcome.
     * {@code abortRequested}: an abort reached it. {@code failure}: it counts as the run's failure
     * ({@code FAILED}, {@code TIMED_OUT}, or abandoned after its own timeout). {@code next}: the
     * call the worker's thread took from the queue and now runs, or -1 when {@code worker} is
     * idle again.
     */
    public record Acknowledged(int index, ActorRef<Command> worker, CallReport report, boolean abortRequested,
                               boolean failure, int next) implements Event {
    }

    // Messages from the attempt's thread, and timers. They may arrive after the worker stopped
    // (its run finished), so they are not logged as dead letters; stale ones are ignored by identity.
    private record AttemptStarted(CallContext ctx) implements Command, DeadLetterSuppression {
    }

    private record AttemptProgressed(CallContext ctx) implements Command, DeadLetterSuppression {
    }

    /**
     * {@code next}: the queued call the attempt's thread took on when this one succeeded, or null;
     * {@code inline}: that thread runs it next (else it is on the executor's queue).
     */
    private record AttemptFinished(CallContext ctx, String result, Throwable error, boolean abortSeen,
                                   Instant at, CallContext next, boolean inline) implements Command, DeadLetterSuppression {
    }

    private record HooksDone(CallContext ctx) implements Command, DeadLetterSuppression {
    }

    // Scheduled with scheduleOnce rather than Akka's TimerScheduler: a timer that fires as the
    // run stops would be a dead letter, logged; these are not. {@code seq} names the call.
    private record TimeoutExpired(long seq) implements Command, DeadLetterSuppression {
    }

    private record GraceExpired(long seq) implements Command, DeadLetterSuppression {
    }

    private record BackoffElapsed(long seq) implements Command, DeadLetterSuppression {
    }

    /** Everything a worker needs from its run, fixed for the run's life. */
    record Setup(String runId, String dispatcher, Executor executor, Executor hookExecutor, Duration abortGrace,
                 AndonStats stats, ActorRef<RunSupervisor.Command> supervisor, RunSignal runSignal, RunQueue queue,
                 List<CallSpec> calls) {
    }

    private final Setup setup;
    private final CallContext.Sink sink;
    private final List<Cancellable> timers = new ArrayList<>(2);

    // The current call; spec == null when idle.
    private long seq;
    private int index;
    private CallSpec spec;
    private CallContext attempt;           // the current attempt; null during a backoff
    private int attempts;                  // attempts begun or queued so far
    private Instant firstStartedAt;
    private String lastThread;
    private String lastProgress;
    private String abortReason;
    private AbortKind abortKind;
    private boolean hooksRunning;          // an abort's hooks have not all returned yet
    private AttemptFinished finishedDuringHooks;
    private long abortNanos;
    private CallContext startedTold;       // the attempt whose Started the supervisor has
    private String runAbortReason;         // the run's cord, once this worker has been told of it
    private AbortKind runAbortKind;

    static Behavior<Command> create(Setup setup) {
        return Behaviors.setup(ctx -> new CallWorker(ctx, setup));
    }

    private CallWorker(ActorContext<Command> context, Setup setup) {
        super(context);
        this.setup = setup;
        ActorRef<Command> self = context.getSelf();
        this.sink = new CallContext.Sink() {
            @Override
            public void started(CallContext ctx) {
                self.tell(new AttemptStarted(ctx));
            }

            @Override
            public void progressed(CallContext ctx) {
                self.tell(new AttemptProgressed(ctx));
            }

            @Override
            public void finished(CallContext ctx, String result, Throwable error, boolean abortSeen) {
                // On the attempt's thread. A call that succeeded, with no abort in sight, hands its
                // thread straight on to the run's next queued call: no round trip through this
                // actor and the supervisor, and no wait for a pool thread, between two calls.
                CallContext next = error == null && !abortSeen ? claimNext(ctx) : null;
                boolean inline = next != null && ctx.keepsThread();
                self.tell(new AttemptFinished(ctx, result, error, abortSeen, Instant.now(), next, inline));
                if (next != null) ctx.handOver(next, inline, setup.executor()); // after the tell: events stay in order
            }

            @Override
            public void hooksDone(CallContext ctx) {
                self.tell(new HooksDone(ctx));
            }
        };
    }

    // Matched by hand: see DispatchedBehavior.
    @Override
    public Behavior<Command> receive(TypedActorContext<Command> ctx, Command msg) {
        if (msg instanceof AttemptFinished m) return onAttemptFinished(m);
        if (msg instanceof AttemptStarted m) return onAttemptStarted(m);
        if (msg instanceof Run m) return onRun(m);
        if (msg instanceof Abort m) return onAbort(m);
        if (msg instanceof AttemptProgressed m) return onAttemptProgressed(m);
        if (msg instanceof HooksDone m) return onHooksDone(m);
        if (msg instanceof TimeoutExpired m) return onTimeoutExpired(m);
        if (msg instanceof GraceExpired m) return onGraceExpired(m);
        if (msg instanceof BackoffElapsed m) return onBackoffElapsed(m);
        return Behaviors.unhandled();
    }

    /** On the thread of a call that has just succeeded: the run's next call, claimed for it, or null. */
    private CallContext claimNext(CallContext finished) {
        if (!finished.mayHandOver()) return null;
        int next = setup.queue().claim();
        if (next < 0) return null;
        return newAttempt(next, setup.calls().get(next), 1);
    }

    private CallContext newAttempt(int callIndex, CallSpec callSpec, int n) {
        return new CallContext(setup.runId(), callIndex, callSpec, n, setup.hookExecutor(), sink, setup.stats(),
                setup.dispatcher(), setup.runSignal());
    }

    private Behavior<Command> onRun(Run m) {
        if (spec != null) throw new IllegalStateException("worker busy with call " + index + ", given " + m.index());
        begin(m.index(), m.spec());
        startAttempt(1);
        return this;
    }

    /**
     * The call a thread took on from the queue is now this worker's. {@code inlineThread}: the
     * thread runs it right away and sends no {@code started} for it, so the worker says it
     * started (at {@code at}, give or take microseconds) unless it is already over — or cancelled here.
     */
    private void takeOver(CallContext next, String inlineThread, Instant at) {
        begin(next.index(), setup.calls().get(next.index()));
        attempts = 1;
        attempt = next;
        if (runAbortReason != null) abort(runAbortReason, runAbortKind); // it was claimed just before the cord
        if (inlineThread != null && attempt == next && spec != null && !next.isOver()) {
            startedTold = next;
            Instant startedAt = next.startedAt() != null ? next.startedAt() : at;
            setup.supervisor().tell(new Started(index, 1, inlineThread, startedAt));
        }
    }

    private void begin(int callIndex, CallSpec callSpec) {
        seq++;
        index = callIndex;
        spec = callSpec;
        attempt = null;
        attempts = 0;
        firstStartedAt = null;
        lastThread = null;
        lastProgress = null;
        abortReason = null;
        abortKind = null;
        hooksRunning = false;
        finishedDuringHooks = null;
        startedTold = null;
        if (spec.timeout() != null) schedule(new TimeoutExpired(seq), spec.timeout());
    }

    private void startAttempt(int n) {
        attempts = n;
        attempt = newAttempt(index, spec, n);
        setup.executor().execute(attempt);
    }

    private Behavior<Command> onAttemptStarted(AttemptStarted m) {
        CallContext ctx = m.ctx();
        // A call that is already over needs no "started" of its own: its ack carries when and
        // where it ran. This keeps a short call to one message to the supervisor.
        if (ctx != attempt || ctx.isOver()) return this;
        tellStarted(ctx);
        return this;
    }

    /** Tells the supervisor once per attempt that it started, before anything else about it. */
    private void tellStarted(CallContext ctx) {
        if (startedTold == ctx) return;
        startedTold = ctx;
        noteStarted(ctx);
        setup.supervisor().tell(new Started(index, ctx.attemptNumber(), ctx.threadName(), ctx.startedAt()));
    }

    private Behavior<Command> onAttemptProgressed(AttemptProgressed m) {
        String message = m.ctx().takeProgress();
        if (m.ctx() != attempt || message == null) return this;
        tellStarted(m.ctx()); // events stay in order: a call is started before it progresses
        lastProgress = message;
        setup.supervisor().tell(new Progressed(index, message));
        return this;
    }

    private Behavior<Command> onAttemptFinished(AttemptFinished m) {
        CallContext ctx = m.ctx();
        if (m.next() != null && (ctx != attempt || hooksRunning)) {
            // Cannot happen: a thread goes on to another call only when no abort was requested of
            // the one it finished (CallContext.mayHandOver), so that one is current and has no hooks running.
            getContext().getLog().error("call {} of run {} handed its thread on to call {} out of turn (a bug in Andon)",
                    ctx.callName(), setup.runId(), m.next().callName());
        }
        if (ctx != attempt) return this;
        if (hooksRunning) {
            // Ack only once the hooks have returned too, so that nothing of this call runs after
            // its run has reported (and possibly after the system is gone).
            finishedDuringHooks = m;
            return this;
        }
        noteStarted(ctx);
        if (ctx.lastProgress() != null) lastProgress = ctx.lastProgress();
        Map<String, Object> details = ctx.details();
        if (m.error() == null) {
            acknowledge(CallStatus.SUCCEEDED, m.result(), null, m.at(), details, null, m.next());
            if (m.next() != null) takeOver(m.next(), m.inline() ? ctx.threadName() : null, m.at());
            return this;
        }
        if (m.abortSeen()) {
            // It may have seen the run's cord before this worker got its Abort: that abort is its own.
            if (abortReason == null) adoptRunAbort();
            return acknowledge(abortedStatus(), null, describe(m.error()), m.at(), details, null);
        }
        boolean retryable = spec.retry().shouldRetry(ctx.attemptNumber(), m.error());
        if (abortReason != null) {
            // It threw before it saw the abort. Had a retry been due, the abort ends its backoff
            // before it began: ABORTED; otherwise the failure is real.
            CallStatus status = retryable ? abortedStatus() : CallStatus.FAILED;
            return acknowledge(status, null, describe(m.error()), m.at(), details, null);
        }
        if (retryable) {
            Duration delay = spec.retry().delayAfter(ctx.attemptNumber());
            attempt = null;
            String note = "attempt " + ctx.attemptNumber() + " failed (" + describe(m.error()) + "); retrying in "
                    + delay.toMillis() + " ms";
            lastProgress = note;
            tellStarted(ctx);
            setup.supervisor().tell(new Progressed(index, note));
            schedule(new BackoffElapsed(seq), delay);
            return this;
        }
        return acknowledge(CallStatus.FAILED, null, describe(m.error()), m.at(), details, null);
    }

    private void noteStarted(CallContext ctx) {
        if (ctx.startedAt() == null) return;
        if (firstStartedAt == null) firstStartedAt = ctx.startedAt();
        lastThread = ctx.threadName();
    }

    private Behavior<Command> onHooksDone(HooksDone m) {
        if (m.ctx() != attempt || spec == null) return this;
        hooksRunning = false;
        AttemptFinished finished = finishedDuringHooks;
        finishedDuringHooks = null;
        return finished == null ? this : onAttemptFinished(finished);
    }

    private Behavior<Command> onBackoffElapsed(BackoffElapsed m) {
        if (m.seq() != seq || spec == null || attempt != null || abortReason != null) return this;
        startAttempt(attempts + 1);
        return this;
    }

    private Behavior<Command> onTimeoutExpired(TimeoutExpired m) {
        if (m.seq() != seq || spec == null) return this;
        return abort("timed out after " + spec.timeout().toMillis() + " ms", AbortKind.TIMEOUT);
    }

    private Behavior<Command> onAbort(Abort m) {
        if (runAbortReason == null) {
            runAbortReason = m.reason();
            runAbortKind = m.kind();
        }
        if (spec == null) return this; // idle: its thread took nothing from the queue
        return abort(m.reason(), m.kind());
    }

    private Behavior<Command> abort(String reason, AbortKind kind) {
        if (abortReason != null) return this;
        abortReason = reason;
        abortKind = kind;
        abortNanos = System.nanoTime();
        cancelTimers();
        Instant now = Instant.now();
        if (attempt == null) { // in a backoff: no thread to stop
            return acknowledge(abortedStatus(), null, abortError(), now, Map.of(), null);
        }
        if (attempt.cancelIfPending()) { // still in the pool's queue: it will never run
            CallStatus status = abortKind == AbortKind.TIMEOUT ? CallStatus.TIMED_OUT
                    : attempts == 1 ? CallStatus.CANCELLED : CallStatus.ABORTED;
            attempts--; // the queued attempt never began
            return acknowledge(status, null, status == CallStatus.CANCELLED ? null : abortError(), now, Map.of(), null);
        }
        hooksRunning = attempt.requestAbort(abortReason);
        schedule(new GraceExpired(seq), setup.abortGrace());
        return this;
    }

    private Behavior<Command> onGraceExpired(GraceExpired m) {
        if (m.seq() != seq || spec == null || attempt == null) return this;
        if (finishedDuringHooks != null) {
            // The call stopped but a hook is still stuck: the call's outcome is known; report it.
            getContext().getLog().warn("abort hook of call {} of run {} still running {} ms after abort; acknowledging anyway",
                    spec.name(), setup.runId(), setup.abortGrace().toMillis());
            return onHooksDone(new HooksDone(attempt));
        }
        List<String> stack = attempt.stackTrace();
        if (!attempt.abandon()) return this; // it finished just now; its AttemptFinished is on its way
        noteStarted(attempt);
        getContext().getLog().warn("call {} of run {} ABANDONED: not stopped {} ms after abort ({}); still running on {}",
                spec.name(), setup.runId(), setup.abortGrace().toMillis(), abortReason, lastThread);
        return acknowledge(CallStatus.ABANDONED, null, abortError(), null, attempt.details(), stack);
    }

    private Behavior<Command> acknowledge(CallStatus status, String result, String error, Instant finishedAt,
                                          Map<String, Object> details, List<String> stackTrace) {
        return acknowledge(status, result, error, finishedAt, details, stackTrace, null);
    }

    private Behavior<Command> acknowledge(CallStatus status, String result, String error, Instant finishedAt,
                                          Map<String, Object> details, List<String> stackTrace, CallContext next) {
        cancelTimers();
        Long abortToAck = abortReason == null || status == CallStatus.CANCELLED ? null
                : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - abortNanos);
        // A call abandoned after its own timeout still failed by that timeout: say so, and count it.
        boolean timedOut = status == CallStatus.TIMED_OUT || status == CallStatus.ABANDONED && abortKind == AbortKind.TIMEOUT;
        if (timedOut) error = "java.util.concurrent.TimeoutException: " + abortReason
                + (status == CallStatus.ABANDONED ? " (abandoned: not stopped within the abort grace)"
                : error == null ? "" : " (" + error + ")");
        Long durationMillis = firstStartedAt == null || finishedAt == null ? null
                : finishedAt.toEpochMilli() - firstStartedAt.toEpochMilli();
        CallReport report = new CallReport(spec.name(), status, attempts, firstStartedAt,
                firstStartedAt == null ? null : finishedAt, durationMillis, result, error, abortToAck, lastThread,
                lastProgress, stackTrace, details);
        setup.supervisor().tell(new Acknowledged(index, getContext().getSelf(), report, abortReason != null,
                status.isFailure() || timedOut, next == null ? -1 : next.index()));
        spec = null;
        attempt = null;
        return this;
    }

    private void adoptRunAbort() {
        RunSignal signal = setup.runSignal();
        if (signal.reason() == null) return;
        abortReason = signal.reason();
        abortKind = signal.kind();
        abortNanos = signal.atNanos();
    }

    private void schedule(Command message, Duration delay) {
        timers.add(getContext().scheduleOnce(delay, getContext().getSelf(), message));
    }

    private void cancelTimers() {
        timers.forEach(Cancellable::cancel);
        timers.clear();
    }

    private CallStatus abortedStatus() {
        return abortKind == AbortKind.TIMEOUT ? CallStatus.TIMED_OUT : CallStatus.ABORTED;
    }

    private String abortError() {
        return new AbortedException(abortReason).toString();
    }

    private static String describe(Throwable t) {
        return t.toString();
    }
}
