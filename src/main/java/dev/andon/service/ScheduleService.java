package dev.andon.service;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import dev.andon.Stages;
import dev.andon.config.Catalog;
import dev.andon.run.JobSpec;
import dev.andon.schedule.Fire;
import dev.andon.schedule.Launcher;
import dev.andon.schedule.ScheduleObserver;
import dev.andon.schedule.Scheduler;
import dev.andon.store.RunStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;

/**
 * The service's side of schedules: the {@link Scheduler} actor, launching its runs through the run
 * registry (so that they are admitted, listed, streamed and counted like any other run), telling
 * its fires to {@code GET /events} and to the metrics.
 */
final class ScheduleService {
    private final ActorRef<Scheduler.Command> scheduler;

    private ScheduleService(ActorRef<Scheduler.Command> scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * The scheduler of {@code catalog}'s schedules (none fire when no job has one), keeping them
     * in {@code store}, the store its runs are recorded in (a fire is written with its run).
     */
    static ScheduleService start(ActorSystem<?> system, Catalog catalog, RunStore store, Clock clock,
                                 ActorRef<RunRegistry.Command> registry, ActorRef<EventHub.Command> hub,
                                 ServiceMetrics metrics, ServiceSettings settings) {
        Map<String, Scheduler.Scheduled> schedules = new TreeMap<>();
        catalog.entries().values().forEach(e -> {
            if (e.schedule() != null) schedules.put(e.name(), new Scheduler.Scheduled(e.spec(), e.schedule()));
        });
        Launcher launcher = new RegistryLauncher(system, registry, settings,
                system.settings().config().getDuration("andon.schedules.due-to-submit-delay"));
        ScheduleObserver observer = new Observer(hub, metrics);
        ActorRef<Scheduler.Command> scheduler = system.systemActorOf(
                Scheduler.create(schedules, store, launcher, observer, clock,
                        AndonService.submitAhead(system.settings().config())), "andon-schedules", Props.empty());
        return new ScheduleService(scheduler);
    }

    ActorRef<Scheduler.Command> scheduler() {
        return scheduler;
    }

    /** Stops firing; completes once no fire will start a run any more. */
    CompletionStage<akka.Done> stop(ActorSystem<?> system, Duration timeout) {
        return AskPattern.ask(scheduler, Scheduler.Stop::new, timeout, system.scheduler());
    }

    /** Launches a fire's run as an admission to the run registry. */
    private record RegistryLauncher(ActorSystem<?> system, ActorRef<RunRegistry.Command> registry,
                                    ServiceSettings settings, Duration delay) implements Launcher {
        @Override
        public CompletionStage<Outcome> launch(JobSpec job, Fire fire, Instant startAt, News news) {
            if (delay.isZero()) return admit(job, fire, startAt, news);
            system.log().warn("schedule {}: fire {} is due; its run is submitted in {} ms (andon.schedules.due-to-submit-delay)",
                    job.name(), fire.at(), delay.toMillis());
            return akka.pattern.Patterns.after(delay, system.classicSystem().scheduler(), system.executionContext(),
                    () -> admit(job, fire, startAt, news));
        }

        private CompletionStage<Outcome> admit(JobSpec job, Fire fire, Instant startAt, News news) {
            dev.andon.run.Trigger trigger = dev.andon.run.Trigger.schedule(fire.at(), fire.manual(), fire.missed());
            CompletionStage<RunRegistry.Admission> admitted = Stages.answered(AskPattern.ask(registry,
                    (ActorRef<RunRegistry.Admission> r) -> new RunRegistry.Admit(job, trigger, r, startAt, news),
                    settings.askTimeout(), system.scheduler()));
            return admitted.thenApply(a -> {
                if (a instanceof RunRegistry.Admitted ok) return new Launched(ok.runId());
                RunRegistry.Refused refused = (RunRegistry.Refused) a;
                return switch (refused.reason()) {
                    case SHUTTING_DOWN -> new Stopping(refused.detail());
                    case FIRED_BEFORE -> new FiredBefore(refused.detail());
                    case LIMIT, INVALID -> new Refused(refused.detail());
                };
            });
        }

        @Override
        public boolean abort(String runId, String reason) {
            // The registry decides: a run that just ended is not aborted; its end is told anyway.
            registry.tell(new RunRegistry.AbortRun(runId, reason, system.ignoreRef()));
            return true;
        }
    }

    /** The fires as service events and metrics. */
    private record Observer(ActorRef<EventHub.Command> hub, ServiceMetrics metrics) implements ScheduleObserver {
        @Override
        public void fired(Fire fire, String runId, Duration lag) {
            metrics.scheduleFires(fire.job(), "fired", 1);
            if (lag != null) metrics.scheduleLag(lag);
            hub.tell(new EventHub.Publish(new ServiceEvent.ScheduleFired(Instant.now(), fire.job(), fire.at(), runId,
                    fire.manual(), fire.missed())));
        }

        @Override
        public void skipped(Fire fire, String reason) {
            metrics.scheduleFires(fire.job(), "skipped", 1);
            hub.tell(new EventHub.Publish(new ServiceEvent.ScheduleSkipped(Instant.now(), fire.job(), fire.at(),
                    fire.manual(), reason)));
        }

        @Override
        public void missed(String job, long count) {
            metrics.scheduleFires(job, "missed", count);
        }
    }
}
