package dev.andon;

import dev.andon.run.RunReport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A submitted run: its id; {@code accepted}, complete once its submission is recorded in the store
 * (the run starts then); and its report once every call has its outcome and the report is
 * recorded. The report stage completes exceptionally only if the run was never started (Andon was
 * shutting down, or the store could not record it).
 */
public record RunHandle(String id, CompletionStage<RunReport> report, CompletionStage<Void> accepted) {
    /** A run accepted already (no store to wait for). */
    public RunHandle(String id, CompletionStage<RunReport> report) {
        this(id, report, CompletableFuture.completedFuture(null));
    }
}
