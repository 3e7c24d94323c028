package dev.andon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The commented example job of {@code reference.conf} and the README's table of kinds: both must
 * hold every key a kind reads, and the example must pass the catalog's checks.
 */
class ReferenceExampleTest {
    // Keys a kind knows only to refuse them with a better line than "unknown key".
    private static final Set<String> REFUSED_KEYS = Set.of("password");

    private static String example() throws Exception {
        String text;
        try (InputStream in = ReferenceExampleTest.class.getResourceAsStream("/reference.conf")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Matcher m = Pattern.compile("(?s)# example-begin\\n(.*?)\\n\\s*# example-end").matcher(text);
        assertTrue(m.find(), "reference.conf has no '# example-begin' ... '# example-end' block");
        return m.group(1).replaceAll("(?m)^\\s*# ?", "");
    }

    @Test
    void theExampleJobShouldPassTheCatalogsChecks() throws Exception {
        Config config = ConfigFactory.parseString(example()).withFallback(ConfigFactory.defaultReference()).resolve();
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(config, new KindContext(config, java.net.http.HttpClient::newHttpClient), problems);
        assertTrue(problems.isEmpty(), () -> problems.list().toString());
        assertEquals(Set.of("every-kind"), catalog.names());
    }

    @Test
    void theExampleShouldUseEveryKeyOfTheJobAndOfEachKind() throws Exception {
        Config config = ConfigFactory.parseString(example()).resolve();
        ConfigObject job = config.getObject("andon.jobs.every-kind");
        assertEquals(new TreeSet<>(Catalog.JOB_KEYS), new TreeSet<>(job.keySet()));
        Map<String, Set<String>> used = new HashMap<>();
        for (ConfigValue v : (ConfigList) job.get("calls")) {
            ConfigObject call = (ConfigObject) v;
            used.computeIfAbsent((String) call.get("kind").unwrapped(), k -> new HashSet<>()).addAll(call.keySet());
        }
        Kinds kinds = Kinds.standard();
        assertEquals(kinds.names(), used.keySet(), "a call of every kind");
        for (String kind : kinds.names()) {
            Set<String> missing = new TreeSet<>(kinds.get(kind).keys());
            missing.removeAll(REFUSED_KEYS);
            missing.removeAll(used.get(kind));
            assertTrue(missing.isEmpty(), kind + " keys missing from the example: " + missing);
        }
    }

    @Test
    void readmeShouldTableEveryKindWithEveryKey() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("andon.home", ".")).resolve("README.md"));
        Kinds kinds = Kinds.standard();
        for (String kind : kinds.names()) {
            Matcher row = Pattern.compile("(?m)^\\| `" + Pattern.quote(kind) + "` \\| ([^|]*) \\|").matcher(readme);
            assertTrue(row.find(), "README has no row for kind " + kind);
            Set<String> listed = new HashSet<>();
            Matcher key = Pattern.compile("`([a-z-]+)`").matcher(row.group(1));
            while (key.find()) listed.add(key.group(1));
            Set<String> missing = new TreeSet<>(kinds.get(kind).keys());
            missing.removeAll(REFUSED_KEYS);
            missing.removeAll(listed);
            assertTrue(missing.isEmpty(), "README's row for " + kind + " lacks " + missing);
        }
    }
}
