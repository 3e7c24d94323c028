package dev.andon.service;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.andon.Stages;
import dev.andon.config.Catalog;
import dev.andon.run.RunStatus;
import dev.andon.schedule.ScheduleSpec;
import dev.andon.schedule.Scheduler;
import dev.andon.schedule.Timing;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The schedules' endpoints: {@code GET /schedules}, and
 * {@code POST /schedules/{job}/pause}, {@code /resume} (durable) and {@code /trigger} (fires now,
 * {@code manual: true}, under the schedule's overlap policy). Mounted behind the service's
 * authentication; it only asks the scheduler, never blocks.
 */
final class ScheduleRoutes extends AllDirectives {
    private final ActorRef<Scheduler.Command> scheduler;
    private final Catalog catalog;
    private final ServiceSettings settings;
    private final ActorSystem<?> system;

    ScheduleRoutes(ActorRef<Scheduler.Command> scheduler, Catalog catalog, ServiceSettings settings, ActorSystem<?> system) {
        this.scheduler = scheduler;
        this.catalog = catalog;
        this.settings = settings;
        this.system = system;
    }

    Route api() {
        return concat(
                path("schedules", () -> get(this::list)),
                path(PathMatchers.segment("schedules").slash(PathMatchers.segment()).slash("pause"),
                        job -> post(() -> command(job, r -> new Scheduler.Pause(job, r)))),
                path(PathMatchers.segment("schedules").slash(PathMatchers.segment()).slash("resume"),
                        job -> post(() -> command(job, r -> new Scheduler.Resume(job, r)))),
                path(PathMatchers.segment("schedules").slash(PathMatchers.segment()).slash("trigger"),
                        job -> post(() -> command(job, r -> new Scheduler.FireNow(job, r)))));
    }

    private Route list() {
        CompletionStage<List<Scheduler.View>> views = Stages.answered(AskPattern.ask(scheduler, Scheduler.GetSchedules::new,
                settings.askTimeout(), system.scheduler()));
        return completeWithFuture(views.thenApply(list ->
                ServiceRoutes.json(StatusCodes.OK, Map.of("schedules", list.stream().map(ScheduleJson::of).toList()))));
    }

    private Route command(String job, Function<ActorRef<Scheduler.Answer>, Scheduler.Command> message) {
        CompletionStage<Scheduler.Answer> answer = Stages.answered(AskPattern.ask(scheduler, message::apply,
                settings.askTimeout(), system.scheduler()));
        return completeWithFuture(answer.thenApply(this::response));
    }

    private HttpResponse response(Scheduler.Answer answer) {
        if (answer instanceof Scheduler.Answer.Done d)
            return ServiceRoutes.json(StatusCodes.OK, Map.of("job", d.job(), "paused", d.paused()));
        if (answer instanceof Scheduler.Answer.Fired f)
            return ServiceRoutes.json(StatusCodes.ACCEPTED, Map.of("job", f.job(), "id", f.runId(),
                    "location", "/runs/" + f.runId()));
        if (answer instanceof Scheduler.Answer.Waiting w)
            return ServiceRoutes.json(StatusCodes.ACCEPTED, Map.of("job", w.job(), "waiting", true, "detail", w.detail()));
        if (answer instanceof Scheduler.Answer.Skipped s)
            return ServiceRoutes.error(StatusCodes.CONFLICT, "fire skipped", s.reason());
        if (answer instanceof Scheduler.Answer.Conflict c)
            return ServiceRoutes.error(StatusCodes.CONFLICT, "conflict", c.detail());
        String job = ((Scheduler.Answer.NotFound) answer).job();
        return catalog.entry(job).isPresent()
                ? ServiceRoutes.error(StatusCodes.NOT_FOUND, "no schedule", "job \"" + job + "\" has no schedule")
                : ServiceRoutes.error(StatusCodes.NOT_FOUND, "unknown job", "no job \"" + job + "\"");
    }

    /** One schedule in {@code GET /schedules}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ScheduleJson(String job, Spec spec, boolean paused, List<Instant> nextFireAt, Instant lastFireAt,
                        String lastRunId, RunStatus lastRunStatus, Counts counts, List<String> liveRuns,
                        Instant waitingFire) {
        static ScheduleJson of(Scheduler.View v) {
            return new ScheduleJson(v.job(), Spec.of(v.schedule()), v.paused(), v.nextFireAt(), v.lastFireAt(),
                    v.lastRunId(), v.lastRunStatus(), new Counts(v.fired(), v.skipped(), v.missed()), v.liveRuns(),
                    v.waiting());
        }
    }

    /** A schedule as configured: {@code cron} or {@code every}, and the rest. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Spec(String cron, String every, String timeZone, String overlap, String catchUp) {
        static Spec of(ScheduleSpec s) {
            String cron = s.timing() instanceof Timing.Cron c ? c.expression() : null;
            String every = s.timing() instanceof Timing.Every e ? Timing.Every.render(e.interval()) : null;
            return new Spec(cron, every, s.zone().getId(), s.overlap().configName(), Timing.Every.render(s.catchUp()));
        }
    }

    record Counts(long fired, long skipped, long missed) {
    }
}
