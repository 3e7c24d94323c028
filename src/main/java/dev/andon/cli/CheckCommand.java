package dev.andon.cli;

import dev.andon.config.Catalog;
import dev.andon.config.ConfigLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code andon check}: validates the configuration and lists the jobs, or prints every problem. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Validates the configuration and lists its jobs, or prints every problem (one line each: "
                + "file:line: path: problem) and exits 2.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        Setup.Loaded loaded = Setup.load(config.file, System.err);
        if (loaded == null) return ExitCodes.CONFIG;
        if (loaded.catalog().names().isEmpty()) {
            System.out.println(ConfigLoader.display(loaded.file()) + ": OK, no jobs (andon.jobs is empty)");
            return ExitCodes.OK;
        }
        Table table = new Table("JOB", "CALLS", "POLICY", "PARALLELISM", "DESCRIPTION");
        for (Catalog.Entry e : loaded.catalog().entries().values()) {
            table.row(e.name(), e.spec().calls().size(), e.spec().failurePolicy().configName(),
                    e.spec().maxParallelism(), e.description());
        }
        int jobs = loaded.catalog().names().size();
        System.out.println(ConfigLoader.display(loaded.file()) + ": OK, " + jobs + (jobs == 1 ? " job" : " jobs"));
        System.out.print(table.render());
        ScheduleListing.lines(loaded.catalog(), java.time.Instant.now()).forEach(System.out::println);
        System.out.flush();
        return ExitCodes.OK;
    }
}
