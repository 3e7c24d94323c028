package dev.andon;

import akka.Done;
import akka.actor.Cancellable;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.ChildFailed;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import dev.andon.run.AbortKind;
import dev.andon.run.AndonStats;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunEvent;
import dev.andon.run.RunListener;
import dev.andon.run.RunReport;
import dev.andon.run.RunSupervisor;
import dev.andon.run.SteppedTimer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The root of an Andon actor system: starts a {@link RunSupervisor} per run, routes aborts and
 * snapshot requests to it, and on shutdown aborts every live run and answers only when each
 * supervisor has reported and stopped (or the longest abort grace plus a margin has passed).
 *
 * <h2>Protocol</h2>
 * {@link StartRun}, {@link AbortRun}, {@link GetSnapshot}, {@link Shutdown} (sent by the
 * CoordinatedShutdown task of {@link Andon}). Once shutting down, new runs are rejected with a
 * {@link RunEvent.RunRejected} event.
 */
final class AndonGuardian extends AbstractBehavior<AndonGuardian.Command> {

    interface Command {
    }

    /** Starts a run; at {@code startAt} when that is later than now (its supervisor waits for it), else now. */
    record StartRun(String runId, JobSpec job, RunListener listener, Instant startAt) implements Command {
    }

    record AbortRun(String runId, String reason, AbortKind kind) implements Command {
    }

    record GetSnapshot(String runId, ActorRef<Optional<RunReport>> replyTo) implements Command {
    }

    record Shutdown(ActorRef<Done> replyTo) implements Command {
    }


    private record SnapshotReady(RunReport report, ActorRef<Optional<RunReport>> replyTo) implements Command {
    }

    // Not a dead letter if it fires as the system stops; ignored once cancelled (see replyIfDrained).
    private enum ShutdownTimedOut implements Command, akka.actor.DeadLetterSuppression { INSTANCE }

    private record LiveRun(ActorRef<RunSupervisor.Command> supervisor, JobSpec job, RunListener listener, Instant startedAt) {
    }

    private final Duration shutdownMargin;
    // Live runs that have reported (their supervisors are stopping): marked by the run's listener on
    // its own thread, before the report's future completes, so that no message has to be sent for it.
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    // Live runs whose supervisors have told their start, marked the same way.
    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final Duration snapshotTimeout;
    private final Map<String, LiveRun> live = new HashMap<>();
    private final List<ActorRef<Done>> shutdownWaiters = new ArrayList<>();
    private boolean shuttingDown;
    private Cancellable shutdownTimer;

    static Behavior<Command> create(Duration shutdownMargin, Duration snapshotTimeout) {
        return Behaviors.setup(ctx -> new AndonGuardian(ctx, shutdownMargin, snapshotTimeout));
    }

    private AndonGuardian(ActorContext<Command> context, Duration shutdownMargin, Duration snapshotTimeout) {
        super(context);
        this.snapshotTimeout = snapshotTimeout;
        this.shutdownMargin = shutdownMargin;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(StartRun.class, this::onStartRun)
                .onMessage(AbortRun.class, this::onAbortRun)
                .onMessage(GetSnapshot.class, this::onGetSnapshot)
                .onMessage(SnapshotReady.class, this::onSnapshotReady)
                .onMessage(Shutdown.class, this::onShutdown)
                .onMessageEquals(ShutdownTimedOut.INSTANCE, this::onShutdownTimedOut)
                .onSignal(Terminated.class, this::onTerminated)
                .build();
    }

    private Behavior<Command> onTerminated(Terminated t) {
        for (var e : live.entrySet()) {
            if (e.getValue().supervisor().equals(t.getRef()))
                return onSupervisorStopped(e.getKey(), t instanceof ChildFailed f ? f.getCause() : null);
        }
        return this;
    }

    private Behavior<Command> onStartRun(StartRun m) {
        if (shuttingDown) {
            m.listener().onEvent(new RunEvent.RunRejected(m.runId(), Instant.now(), "Andon is shutting down"));
            return this;
        }
        RunListener listener = markReported(m);
        ActorRef<RunSupervisor.Command> supervisor = getContext().spawn(
                RunSupervisor.create(m.runId(), m.job(), getContext().getSystem().ignoreRef(), listener, m.startAt()),
                "run-" + m.runId(), RunSupervisor.ACTOR_DISPATCHER);
        // watch, not watchWith: a supervisor that fails (one that cannot be created, say, because
        // its dispatcher cannot) comes as ChildFailed, with its cause.
        getContext().watch(supervisor);
        live.put(m.runId(), new LiveRun(supervisor, m.job(), listener, Instant.now()));
        return this;
    }

    private Behavior<Command> onAbortRun(AbortRun m) {
        LiveRun run = live.get(m.runId());
        if (run != null) run.supervisor().tell(new RunSupervisor.Abort(m.reason(), m.kind()));
        return this;
    }

    private Behavior<Command> onGetSnapshot(GetSnapshot m) {
        LiveRun run = live.get(m.runId());
        if (run == null) {
            m.replyTo().tell(Optional.empty());
            return this;
        }
        // The supervisor may finish before it answers: ask with a timeout and answer empty then.
        getContext().ask(RunReport.class, run.supervisor(), snapshotTimeout, RunSupervisor.GetSnapshot::new,
                (report, failure) -> new SnapshotReady(report, m.replyTo()));
        return this;
    }

    private Behavior<Command> onSnapshotReady(SnapshotReady m) {
        m.replyTo().tell(Optional.ofNullable(m.report()));
        return this;
    }

    private Behavior<Command> onShutdown(Shutdown m) {
        shutdownWaiters.add(m.replyTo());
        if (!shuttingDown) {
            shuttingDown = true;
            Duration longestGrace = live.values().stream().map(r -> r.job().abortGrace())
                    .max(Duration::compareTo).orElse(Duration.ZERO);
            List<String> unreported = live.keySet().stream().filter(id -> !reported.contains(id)).toList();
            if (!live.isEmpty()) {
                // Runs that have reported are only stopping: they are waited for, not aborted.
                if (!unreported.isEmpty())
                    getContext().getLog().info("shutting down: aborting {} live run(s)", unreported.size());
                // A grace may be longer than Akka's scheduler takes at once (a TimerScheduler would throw).
                shutdownTimer = SteppedTimer.of(getContext().getSystem()).scheduleOnce(longestGrace.plus(shutdownMargin),
                        getContext().getSelf(), ShutdownTimedOut.INSTANCE);
            }
            unreported.forEach(id -> live.get(id).supervisor().tell(new RunSupervisor.Abort("shutdown", AbortKind.SHUTDOWN)));
        }
        return replyIfDrained();
    }

    /** The run's listener, which first notes when the run has reported. */
    private RunListener markReported(StartRun m) {
        RunListener listener = m.listener();
        String runId = m.runId();
        return event -> {
            if (event.endsRun()) reported.add(runId);
            else if (event instanceof RunEvent.RunStarted) started.add(runId);
            listener.onEvent(event);
        };
    }

    private Behavior<Command> onSupervisorStopped(String runId, Throwable failure) {
        LiveRun run = live.remove(runId);
        // A supervisor that stopped without a report (it failed, e.g. at its start) must still end
        // its run for whoever waits for it: rejected, with the reason.
        // One that had started its run (its calls may be running) ends it FAILED instead: see reportLost.
        if (run != null && !reported.contains(runId) && started.contains(runId)) {
            reportLost(runId, run, failure);
        } else if (run != null && !reported.contains(runId)) {
            String why = failure == null ? "its supervisor stopped before it reported"
                    : "its supervisor failed: " + rootMessage(failure);
            AndonStats.get(getContext().getSystem()).internalError(runId, why);
            run.listener().onEvent(new RunEvent.RunRejected(runId, Instant.now(), why));
        }
        reported.remove(runId);
        started.remove(runId);
        return replyIfDrained();
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    /**
     * A supervisor stopped without reporting after its run had started: it failed where it could
     * not catch its failure (an Error; a bug in Andon, logged by Akka with its stack trace). Its run still ends, FAILED,
     * so that no one waits for it for ever: its calls are reported ABANDONED, since what their
     * threads did is no longer known here, and the live-run slot is freed with its last event.
     */
    private void reportLost(String runId, LiveRun run, Throwable failure) {
        String error = "the run's supervisor stopped without reporting" + (failure == null ? "" : ": " + rootMessage(failure));
        getContext().getLog().error("run {}: internal error: {} (a bug in Andon)", runId, error);
        AndonStats.get(getContext().getSystem()).internalError(runId, error);
        Instant now = Instant.now();
        List<CallReport> calls = run.job().calls().stream().map(c -> new CallReport(c.name(), CallStatus.ABANDONED, 0,
                null, null, null, null, "java.lang.IllegalStateException: internal error in Andon: " + error,
                null, null, null, null, null)).toList();
        RunReport report = new RunReport(runId, run.job().name(), RunStatus.FAILED,
                new RunReport.Cause(null, "internal error in Andon (a bug; see the log): " + error), null,
                run.startedAt(), now, java.time.Duration.between(run.startedAt(), now).toMillis(), calls, null);
        try {
            run.listener().onEvent(new RunEvent.RunFinished(runId, now, report));
        } catch (RuntimeException e) {
            getContext().getLog().error("run listener threw on RunFinished; ignoring it", e);
        }
    }

    private Behavior<Command> onShutdownTimedOut() {
        if (shutdownTimer == null) return this; // it fired as it was cancelled: every run had reported
        getContext().getLog().warn("shutting down with {} run(s) still not reported: {}", live.size(), live.keySet());
        live.clear();
        reported.clear();
        started.clear();
        return replyIfDrained();
    }

    private Behavior<Command> replyIfDrained() {
        if (shuttingDown && live.isEmpty()) {
            if (shutdownTimer != null) shutdownTimer.cancel();
            shutdownTimer = null;
            shutdownWaiters.forEach(w -> w.tell(Done.getInstance()));
            shutdownWaiters.clear();
        }
        return this;
    }
}
