package dev.andon.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.andon.Andon;
import dev.andon.call.JdbcPools;
import dev.andon.config.Catalog;
import dev.andon.config.ConfigLoader;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/** What every command does first: load the configuration and its catalog, or say what is wrong. */
final class Setup {
    /** A configuration that loaded and validated without a problem. */
    record Loaded(Path file, Config config, Catalog catalog) {
    }

    private Setup() {
    }

    /**
     * Loads {@code file} and validates it with its catalog, before any Andon exists: the
     * catalog's calls are for looking at, not running (they have no HTTP client nor JDBC pools;
     * {@link #catalogFor} builds the ones to run).
     *
     * @return the configuration, or {@code null} after every problem was printed to {@code err}
     */
    static Loaded load(String file, PrintStream err) {
        Path path = ConfigLoader.locate(file);
        Problems problems = new Problems();
        Config config = ConfigLoader.load(path, problems);
        Catalog catalog = config == null ? null : Catalog.load(config, new KindContext(config, Setup::noHttpClient,
                Setup::noJdbcPools), problems);
        for (Problems.Problem w : problems.warnings()) {
            err.println(new Problems.Problem(w.file(), w.line(), w.path(), "warning: " + w.message()));
        }
        if (problems.isEmpty()) return new Loaded(path, config, catalog);
        print(problems, err);
        err.println("andon: " + problems.size() + (problems.size() == 1 ? " problem" : " problems")
                + " in the configuration (" + ConfigLoader.display(path) + "); nothing was run");
        return null;
    }

    /**
     * The catalog of a configuration {@link #load} validated, built for {@code andon}: its calls
     * share {@code andon}'s HTTP client and JDBC pools.
     */
    static Catalog catalogFor(Loaded loaded, Andon andon) {
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(loaded.config(), new KindContext(loaded.config(), loaded.catalog().kinds(),
                andon.httpClient(), andon::jdbcPools, null), problems);
        // The same configuration, validated already: a problem now is Andon's bug, not the user's.
        if (!problems.isEmpty()) throw new IllegalStateException("a validated configuration has problems: " + problems.list());
        return catalog;
    }

    private static HttpClient noHttpClient() {
        throw new IllegalStateException("a call of a catalog that was only validated ran (a bug in Andon)");
    }

    private static JdbcPools noJdbcPools() {
        throw new IllegalStateException("a call of a catalog that was only validated ran (a bug in Andon)");
    }

    /**
     * Routes SIGINT and SIGTERM to {@code handler}, which runs on the JVM's signal-dispatch thread
     * and must not wait. A signal the JVM keeps to itself ({@code -Xrs}) keeps its default.
     */
    static void handleSignals(sun.misc.SignalHandler handler) {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), handler);
            } catch (IllegalArgumentException e) {
                // this JVM does not let us have it: its default applies
            }
        }
    }

    /** One line per problem, in file and line order. */
    /**
     * Starts Andon with a configuration that has been validated; what Akka itself still refuses
     * (a bad akka.* setting) is one line on {@code err}.
     *
     * @return the instance, or {@code null} after the line was printed
     */
    static Andon startAndon(Config config, PrintStream err) {
        return startAndon(config, dev.andon.store.RunStore.NONE, err);
    }

    /** As {@link #startAndon(Config, PrintStream)}, recording its runs in {@code store}. */
    static Andon startAndon(Config config, dev.andon.store.RunStore store, PrintStream err) {
        return startAndon(config, () -> store, err);
    }

    /** As {@link #startAndon(Config, dev.andon.store.RunStore, PrintStream)}, with a store still opening (see {@link Andon#start(Config, String, java.util.function.Function, java.util.function.Supplier)}). */
    static Andon startAndon(Config config, java.util.function.Supplier<dev.andon.store.RunStore> store, PrintStream err) {
        try {
            return Andon.start(config, "andon", System::getenv, store);
        } catch (ConfigException e) {
            err.println("andon: " + e.getMessage());
            return null;
        }
    }

    static void print(Problems problems, PrintStream err) {
        List<Problems.Problem> sorted = problems.list().stream()
                .sorted(Comparator.comparing(Problems.Problem::file, Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparingInt(Problems.Problem::line))
                .toList();
        for (Problems.Problem p : sorted) err.println(p);
        err.flush();
    }
}
