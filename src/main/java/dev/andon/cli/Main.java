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
        subcommands = {RunCommand.class, CheckCommand.class, ServeCommand.class, HistoryCommand.class, ShowCommand.class,
                RerunCommand.class, CommandLine.HelpCommand.class},
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
        return commandLine().execute(args);
    }

    /** The command line with every command: each answers {@code -V}/{@code --version} as {@code andon} does. */
    static CommandLine commandLine() {
        CommandLine line = new CommandLine(new Main());
        Version version = new Version();
        for (CommandLine sub : line.getSubcommands().values()) sub.getCommandSpec().versionProvider(version);
        return line;
    }

    /** {@code andon} alone: usage on stderr, a usage error. */
    @Override
    public Integer call() {
        System.err.println("andon: a command is needed");
        spec.commandLine().usage(System.err);
        return ExitCodes.CONFIG;
    }

    /**
     * The version the build wrote into {@code version.properties}: the project's version and the
     * commit it was built from ({@code git describe}).
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws java.io.IOException {
            java.util.Properties p = new java.util.Properties();
            try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in == null) return new String[] {"andon (built without version.properties)"};
                p.load(in);
            }
            return new String[] {"andon " + p.getProperty("version") + " (" + p.getProperty("commit") + ")"};
        }
    }
}
