package dev.andon.cli;

import dev.andon.run.ReportJson;
import dev.andon.run.RunStatus;
import dev.andon.store.RunStore;
import dev.andon.store.StoreException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code andon history}: the runs in the store, newest first (CLI runs, service runs, scheduled runs, reruns). */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = "Lists the runs in the store (andon.store), newest first: from andon run, the service, schedules "
                + "and reruns. Works with or without a service on the same store.")
final class HistoryCommand implements Callable<Integer> {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneId.systemDefault());

    @Mixin
    ConfigOption config;

    @Option(names = "--job", paramLabel = "JOB", description = "Only this job's runs.")
    String job;

    @Option(names = "--status", paramLabel = "STATUS", description = "Only runs with this status (SUCCEEDED, FAILED, "
            + "ABORTED, INTERRUPTED, RUNNING, ABORTING).")
    String status;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most N runs (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print the runs as JSON on stdout.")
    boolean json;

    @Override
    public Integer call() {
        RunStatus s = null;
        if (status != null) {
            try {
                s = RunStatus.valueOf(status.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                System.err.println("andon: --status: not a run status: \"" + status + "\"; statuses: " + List.of(RunStatus.values()));
                return ExitCodes.CONFIG;
            }
        }
        if (limit < 1) {
            System.err.println("andon: --limit: must be at least 1, not " + limit);
            return ExitCodes.CONFIG;
        }
        Setup.Loaded loaded = Setup.load(config.file, System.err);
        if (loaded == null) return ExitCodes.CONFIG;
        RunStore store = StoreSetup.open(loaded.config(), System.err);
        if (store == null) return ExitCodes.CONFIG;
        try (store) {
            List<RunStore.RunSummary> runs = store.runs(new RunStore.RunQuery(job, s, limit, null));
            if (json) {
                System.out.println(ReportJson.toJson(Map.of("runs", runs)));
                return ExitCodes.OK;
            }
            if (runs.isEmpty()) {
                System.out.println("no runs in the store " + store.describe());
                return ExitCodes.OK;
            }
            List<List<String>> rows = new ArrayList<>();
            rows.add(List.of("RUN", "JOB", "STATUS", "TRIGGER", "SUBMITTED", "DURATION", "CALLS"));
            for (RunStore.RunSummary r : runs) {
                String trigger = r.trigger().kind().wireName() + (r.rerunOf() != null ? " of " + r.rerunOf() : "");
                rows.add(List.of(r.id(), r.job(), r.status().name(), trigger, WHEN.format(r.submittedAt()),
                        r.durationMillis() == null ? "-" : r.durationMillis() + " ms", Integer.toString(r.calls())));
            }
            System.out.print(columns(rows));
            return ExitCodes.OK;
        } catch (StoreException e) {
            System.err.println("andon: " + e.getMessage());
            return ExitCodes.CONFIG;
        }
    }

    static String columns(List<List<String>> rows) {
        int[] width = new int[rows.get(0).size()];
        for (List<String> row : rows) for (int i = 0; i < row.size(); i++) width[i] = Math.max(width[i], row.get(i).length());
        StringBuilder sb = new StringBuilder();
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                sb.append(row.get(i));
                if (i < row.size() - 1) sb.append(" ".repeat(width[i] - row.get(i).length() + 2));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }
}
