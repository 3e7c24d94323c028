package dev.andon;

import dev.andon.run.RunReport;
import java.util.concurrent.CompletionStage;

/**
 * A submitted run: its id, and its report once every call has its outcome. The report stage
 * completes exceptionally only if the run was never started (Andon was shutting down).
 */
public record RunHandle(String id, CompletionStage<RunReport> report) {
}
