package dev.andon.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code andon} command line: {@code run}, {@code check}, {@code serve}.
 *
 * <p>Exit statuses: 0 success; 1 the run failed; 2 a usage or configuration error; 130 the run was
 * aborted by SIGINT or SIGTERM. Everything but a run's results goes to stderr, so that
 * {@code andon run JOB --json} prints only the report on stdout.
 */
@Command(name = "andon", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Runs blocking work under supervision: when one call fails, the others are aborted, "
                + "their acknowledgements awaited, and every outcome reported truthfully.",
        subcommands = {RunCommand.class, CheckCommand.class, ServeCommand.class},
        footer = {"", "Exit status: 0 success, 1 run failed, 2 usage or configuration error, "
                + "130 run aborted by SIGINT or SIGTERM."})
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns its exit status (without exiting). */
    public static int execute(String... args) {
        // picocli's defaults fit: 2 for a usage error, 1 (with a stack trace) for a bug of ours.
        return new CommandLine(new Main()).execute(args);
    }

    /** {@code andon} alone: usage on stderr, a usage error. */
    @Override
    public Integer call() {
        System.err.println("andon: a command is needed");
        spec.commandLine().usage(System.err);
        return ExitCodes.CONFIG;
    }

    /** The version from the jar's manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"andon " + (v != null ? v : "(development build)")};
        }
    }
}
