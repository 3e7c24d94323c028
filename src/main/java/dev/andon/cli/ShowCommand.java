package dev.andon.cli;

import dev.andon.run.ReportJson;
import dev.andon.run.RunReport;
import dev.andon.store.RunStore;
import dev.andon.store.StoreException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code andon show RUN}: one stored run's report, as {@code andon run} prints it. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Prints one stored run's report (the same table, or JSON, as andon run). Works with or without "
                + "a service on the same store.")
final class ShowCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "The run (`andon history` lists them).")
    String run;

    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print the report as JSON on stdout.")
    boolean json;

    @Option(names = "--timeline", paramLabel = "FILE.svg", description = "Also write the run's timeline to FILE.svg.")
    Path timeline;

    @Override
    public Integer call() {
        Setup.Loaded loaded = Setup.load(config.file, System.err);
        if (loaded == null) return ExitCodes.CONFIG;
        RunStore store = StoreSetup.open(loaded.config(), System.err);
        if (store == null) return ExitCodes.CONFIG;
        try (store) {
            Optional<RunStore.StoredRun> stored = store.run(run);
            if (stored.isEmpty()) {
                System.err.println("andon: no run \"" + run + "\" in the store " + store.describe());
                return ExitCodes.CONFIG;
            }
            RunStore.StoredRun r = stored.get();
            RunReport report = r.reportOrLive();
            System.out.print(json ? ReportJson.toJson(report) + System.lineSeparator() : ResultsTable.render(report));
            if (timeline != null) RunCommand.writeTimeline(report, timeline);
            return ExitCodes.OK;
        } catch (StoreException e) {
            System.err.println("andon: " + e.getMessage());
            return ExitCodes.CONFIG;
        }
    }
}
