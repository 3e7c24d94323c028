package dev.andon.config;

import static dev.andon.config.ConfigFixtures.DIR;
import static dev.andon.config.ConfigFixtures.problemsOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @Test
    void shouldReportAMissingFile() {
        assertEquals(List.of(DIR + "no-such.conf: no such file"), problemsOf(DIR + "no-such.conf"));
    }

    @Test
    void shouldReportASyntaxErrorWithItsLine() {
        assertEquals(List.of(DIR + "syntax-error.conf:5: expecting a close parentheses ')' here, not: ']'"),
                problemsOf(DIR + "syntax-error.conf"));
    }

    @Test
    void shouldReportAMissingIncludeAtTheIncludeLine() {
        assertEquals(List.of(DIR + "missing-include.conf:3: included file not found: \"no-such-jobs.conf\" "
                        + "(looked for relative to the including file, then on the classpath)"),
                problemsOf(DIR + "missing-include.conf"));
    }

    @Test
    void shouldReportAnUnresolvedSubstitution() {
        assertEquals(List.of(DIR + "unresolved.conf:2: Could not resolve substitution to a value: ${sleep-time}"),
                problemsOf(DIR + "unresolved.conf"));
    }

    @Test
    void shouldLayerSystemPropertiesOverTheFileOverReferenceConf() {
        System.setProperty("andon.http.port", "9191");
        com.typesafe.config.ConfigFactory.invalidateCaches(); // system properties are cached
        try {
            Problems problems = new Problems();
            Config config = ConfigLoader.load(Path.of("conf/application.conf"), problems);
            assertTrue(problems.isEmpty(), () -> problems.list().toString());
            assertEquals(9191, config.getInt("andon.http.port"));                 // system property
            assertTrue(config.hasPath("andon.jobs.demo"));                         // included jobs.conf
            assertEquals(64, config.getInt("andon.blocking-dispatcher.pool-size")); // reference.conf
        } finally {
            System.clearProperty("andon.http.port");
            com.typesafe.config.ConfigFactory.invalidateCaches();
        }
    }

    @Test
    void shouldIncludeRelativeToTheIncludingFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("main.conf"), "include required(\"jobs.conf\")\n");
        Files.writeString(dir.resolve("jobs.conf"), "andon.jobs.x.calls = [ { name = a, kind = sleep, duration = 1s } ]\n");
        Problems problems = new Problems();
        Config config = ConfigLoader.load(dir.resolve("main.conf"), problems);
        assertTrue(problems.isEmpty(), () -> problems.list().toString());
        assertTrue(config.hasPath("andon.jobs.x.calls"));
    }

    @Test
    void shouldLocateARelativeFileInTheHomeDirectoryWhenNotInTheCurrentOne(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve("conf"));
        Files.writeString(home.resolve("conf/elsewhere.conf"), "");
        String saved = System.getProperty(ConfigLoader.HOME_PROPERTY);
        System.setProperty(ConfigLoader.HOME_PROPERTY, home.toString());
        try {
            assertEquals(home.resolve("conf/elsewhere.conf"), ConfigLoader.locate("conf/elsewhere.conf"));
            // found in the current directory first, loaded by its absolute path, named relative to it
            Path here = ConfigLoader.locate("conf/application.conf");
            assertEquals(Path.of("conf/application.conf").toAbsolutePath(), here);
            assertEquals("conf/application.conf", ConfigLoader.display(here));
            assertEquals(home.resolve("conf/elsewhere.conf").toString(),
                    ConfigLoader.display(home.resolve("conf/elsewhere.conf")));
            assertFalse(Files.exists(ConfigLoader.locate("conf/nowhere.conf")));
        } finally {
            if (saved != null) System.setProperty(ConfigLoader.HOME_PROPERTY, saved);
            else System.clearProperty(ConfigLoader.HOME_PROPERTY);
        }
    }

    @Test
    void shouldReturnNullWhenLoadingFails() {
        assertNull(ConfigLoader.load(Path.of(DIR + "syntax-error.conf"), new Problems()));
    }
}
