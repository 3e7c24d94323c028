package dev.andon.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code andon rerun RUN [--all]}: a new run, in the foreground as {@code andon run} does it, of
 * the job spec stored with RUN (not today's catalog): its calls that did not succeed, or all.
 */
@Command(name = "rerun", mixinStandardHelpOptions = true,
        description = "Runs again, in the foreground, the job spec stored with RUN (not today's catalog): the calls "
                + "that did not succeed, or --all. The new run's report says rerunOf. Works with or without a service "
                + "on the same store.")
final class RerunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN", description = "The run to repeat (`andon history` lists them).")
    String run;

    @Mixin
    ConfigOption config;

    @Option(names = "--all", description = "Every call of the run, not only those that did not succeed.")
    boolean all;

    @Option(names = "--json", description = "Print the report as JSON on stdout, and nothing else there.")
    boolean json;

    @Option(names = "--timeline", paramLabel = "FILE.svg", description = "Also write the run's timeline to FILE.svg.")
    Path timeline;

    @Override
    public Integer call() throws InterruptedException {
        RunCommand command = new RunCommand();
        command.config = config;
        command.json = json;
        command.timeline = timeline;
        command.rerunOf = run;
        command.rerunAll = all;
        return command.call();
    }
}
