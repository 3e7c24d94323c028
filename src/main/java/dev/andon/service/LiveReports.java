package dev.andon.service;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import dev.andon.Andon;
import dev.andon.Stages;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.store.RunStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A run's report as the service knows it now: the final one once it has finished, else a live
 * snapshot from its supervisor (every call queued when it has not started yet). Empty for a run the
 * service does not know. Thread-safe; it only asks, never blocks.
 */
final class LiveReports {
    private final Andon andon;
    private final ActorRef<RunRegistry.Command> registry;
    private final ServiceSettings settings;
    private final ActorSystem<?> system;

    LiveReports(Andon andon, ActorRef<RunRegistry.Command> registry, ServiceSettings settings) {
        this.andon = andon;
        this.registry = registry;
        this.settings = settings;
        this.system = andon.system();
    }

    CompletionStage<Optional<RunReport>> current(String id) {
        return view(id).thenCompose(view -> {
            // Not the service's (it ran before a restart, or in andon run): the store's, if it has it.
            if (view.isEmpty()) return stored(id);
            if (view.get().finished()) return CompletableFuture.completedFuture(Optional.of(view.get().report()));
            return andon.snapshot(id).thenCompose(snapshot -> snapshot.isPresent()
                    ? CompletableFuture.completedFuture(snapshot)
                    // It finished meanwhile, or has not started yet: ask again.
                    : view(id).thenApply(again -> again.map(v -> v.finished() ? v.report() : notStarted(v))));
        });
    }

    private CompletionStage<Optional<RunReport>> stored(String id) {
        if (andon.store() == RunStore.NONE) return CompletableFuture.completedFuture(Optional.empty());
        return CompletableFuture.supplyAsync(() -> andon.store().run(id).map(RunStore.StoredRun::reportOrLive),
                andon.store().readExecutor());
    }

    private CompletionStage<Optional<RunRegistry.RunView>> view(String id) {
        return Stages.answered(AskPattern.ask(registry,
                (ActorRef<Optional<RunRegistry.RunView>> r) -> new RunRegistry.GetRun(id, r),
                settings.askTimeout(), system.scheduler()));
    }

    // A run admitted but whose supervisor has not answered yet: every call still queued.
    private static RunReport notStarted(RunRegistry.RunView view) {
        List<CallReport> calls = view.job().calls().stream()
                .map(c -> CallReport.live(c.name(), CallStatus.QUEUED, 0, null, null, null)).toList();
        return new RunReport(view.summary().id(), view.job().name(), RunStatus.RUNNING, null, null,
                view.summary().submittedAt(), null, null, calls);
    }
}
