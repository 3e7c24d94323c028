package dev.andon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads Andon's configuration from a file, the way the Akka world layers it: system properties
 * over the file (and what it includes) over every {@code reference.conf} on the classpath, then
 * resolved.
 *
 * <p>Every failure to load becomes one line of {@link Problems} ({@code file:line: problem}): a
 * missing file, a HOCON syntax error, a missing {@code include required(...)}, an unresolved
 * substitution. Loading stops at the first of those, since HOCON cannot go on after them;
 * validating what was loaded ({@link Catalog#load}) then finds every other problem at once.
 */
public final class ConfigLoader {
    /** The configuration file used when none is given, relative to the current or home directory. */
    public static final String DEFAULT_FILE = "conf/application.conf";
    /** The system property {@code scripts/andon} sets to the Andon directory. */
    public static final String HOME_PROPERTY = "andon.home";

    private ConfigLoader() {
    }

    /**
     * Where {@code file} is, as an absolute path: as given if absolute or if it exists relative to
     * the current directory, else relative to {@code andon.home} if it exists there. The file is
     * loaded by that absolute path, so that HOCON finds what it includes next to it whatever the
     * current directory; {@link #display} names it for people.
     */
    public static Path locate(String file) {
        Path given = Path.of(file);
        if (given.isAbsolute() || Files.exists(given)) return given.toAbsolutePath().normalize();
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null) {
            Path inHome = Path.of(home).resolve(given);
            if (Files.exists(inHome)) return inHome.toAbsolutePath().normalize();
        }
        return given.toAbsolutePath().normalize();
    }

    /**
     * {@code path} as a user should read it in a message: relative to the current directory when it
     * lies under it (and that directory is not {@code /}), else absolute.
     */
    public static String display(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        boolean under = cwd.getParent() != null && absolute.startsWith(cwd) && !absolute.equals(cwd);
        return under ? cwd.relativize(absolute).toString() : absolute.toString();
    }

    /** A file name from a HOCON origin as {@link #display(Path)} gives it; other names as they are. */
    static String display(String file) {
        return file != null && file.startsWith("/") ? display(Path.of(file)) : file;
    }

    /**
     * Loads and resolves {@code file} with system properties over it and reference.conf under it.
     *
     * @return the configuration, or {@code null} when a problem was added
     */
    public static Config load(Path file, Problems problems) {
        file = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            problems.add(file.toString(), 0, null, Files.exists(file) ? "not a regular file" : "no such file");
            return null;
        }
        try {
            Config parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            return ConfigFactory.defaultOverrides()
                    .withFallback(parsed)
                    .withFallback(ConfigFactory.defaultReference())
                    .resolve();
        } catch (ConfigException e) {
            add(e, file, problems);
            return null;
        } catch (StackOverflowError e) {
            // HOCON's parser and resolver recurse once per level of nesting: thousands of levels
            // exhaust the stack. That is the file's problem, to be said in one line like any other.
            problems.add(file.toString(), 0, null, "nested too deeply to parse (thousands of levels of [ or {)");
            return null;
        }
    }

    private static void add(ConfigException e, Path file, Problems problems) {
        ConfigOrigin origin = e.origin();
        String message = e.getMessage();
        if (origin != null && message.startsWith(origin.description() + ": ")) {
            message = message.substring(origin.description().length() + 2);
        }
        if (origin != null && origin.filename() != null && origin.lineNumber() > 0) {
            problems.add(origin.filename(), origin.lineNumber(), null, message);
        } else if (e instanceof ConfigException.IO && origin != null && origin.filename() == null) {
            // A missing `include required(...)`. Typesafe Config names only the missing file (and
            // words it differently by how it looked), not who included it: look for it in ours.
            String included = origin.description();
            problems.add(file.toString(), includeLine(file, included), null, "included file not found: \""
                    + included + "\" (looked for relative to the including file, then on the classpath)");
        } else if (origin != null && origin.filename() != null) {
            problems.add(origin.filename(), 0, null, message);
        } else {
            problems.add(file.toString(), 0, null, message);
        }
    }

    private static int includeLine(Path file, String included) {
        try {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.contains("include") && line.contains(included)) return i + 1;
            }
        } catch (IOException | RuntimeException e) {
            // no line then
        }
        return 0;
    }
}
