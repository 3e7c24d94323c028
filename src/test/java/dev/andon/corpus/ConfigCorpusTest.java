package dev.andon.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.andon.config.Catalog;
import dev.andon.config.ConfigLoader;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The bad-configuration corpus: every file under {@code src/test/resources/corpus/config} is a
 * broken configuration whose {@code # expect: text} header lines name the problems it must
 * produce — exactly those, one line each, in the {@code file:line: path: problem} form, and no
 * exception. Add a case by adding a file.
 */
public class ConfigCorpusTest {
    static final Path CORPUS = Path.of(System.getProperty("andon.home", "."), "src/test/resources/corpus/config");
    // file:line: ... ; or file: ... for a problem of the whole file (not found, too deep to parse)
    private static final Pattern LINE = Pattern.compile("^[^:]+(:\\d+)?: .+$");

    public static List<String> problems(Path file) {
        Problems problems = new Problems();
        Config config = ConfigLoader.load(file, problems);
        if (config != null) Catalog.load(config, new KindContext(config, HttpClient::newHttpClient), problems);
        return problems.list().stream().map(Problems.Problem::toString).toList();
    }

    static List<String> expectations(Path file) throws IOException {
        List<String> expected = new ArrayList<>();
        for (String line : Files.readAllLines(file))
            if (line.startsWith("# expect: ")) expected.add(line.substring("# expect: ".length()).trim());
        return expected;
    }

    @TestFactory
    Stream<DynamicTest> everyBadConfigurationGetsOneClearLinePerProblem() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CORPUS)) {
            files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
        }
        assertTrue(files.size() >= 40, "the corpus shrank: " + files.size());
        return files.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            List<String> expected = expectations(file);
            List<String> actual = problems(file);
            assertFalse(expected.isEmpty(), file + " has no '# expect:' line; it reports " + actual);
            assertEquals(expected.size(), actual.size(), "problems of " + file.getFileName() + ": " + actual);
            for (String line : actual) {
                assertTrue(LINE.matcher(line).matches(), "not 'file:line: path: problem': " + line);
                assertFalse(line.contains("\tat ") || line.contains("Exception:"), "a stack trace or raw exception: " + line);
            }
            for (String e : expected)
                assertEquals(1, actual.stream().filter(l -> l.contains(e)).count(), "'" + e + "' in " + actual);
        }));
    }
}
