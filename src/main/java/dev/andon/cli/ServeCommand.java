package dev.andon.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code andon serve}: the long-running HTTP service (not yet implemented). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Runs the HTTP service on andon.http.host:andon.http.port until SIGTERM.")
final class ServeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() {
        System.err.println("andon serve: not yet implemented");
        return ExitCodes.CONFIG;
    }
}
