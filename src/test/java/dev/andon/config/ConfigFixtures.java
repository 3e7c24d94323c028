package dev.andon.config;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;

/** Loading the test configurations under src/test/resources/config the way the CLI does. */
final class ConfigFixtures {
    static final String DIR = "src/test/resources/config/";

    private ConfigFixtures() {
    }

    /** The problems of loading and validating {@code file}, as the lines a user sees, sorted. */
    static List<String> problemsOf(String file) {
        Problems problems = new Problems();
        Config config = ConfigLoader.load(Path.of(file), problems);
        if (config != null) Catalog.load(config, context(config), problems);
        return problems.list().stream().map(Problems.Problem::toString).sorted().toList();
    }

    /** The catalog of {@code file}, which must have no problem. */
    static Catalog catalogOf(String file) {
        Problems problems = new Problems();
        Config config = ConfigLoader.load(Path.of(file), problems);
        assertNotNull(config, () -> problems.list().toString());
        Catalog catalog = Catalog.load(config, context(config), problems);
        assertTrue(problems.isEmpty(), () -> problems.list().toString());
        return catalog;
    }

    /** A configuration from HOCON text, over reference.conf, as the loader builds it. */
    static Config parse(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference()).resolve();
    }

    static KindContext context(Config config) {
        return new KindContext(config, HttpClient::newHttpClient);
    }
}
