package dev.andon.cli;

import dev.andon.config.ConfigLoader;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option every command that reads the configuration has. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = ConfigLoader.DEFAULT_FILE,
            description = "The configuration file (default: ${DEFAULT-VALUE}); a relative path is looked up "
                    + "in the current directory, then in the Andon directory. System properties override it.")
    String file;
}
