package dev.andon.config;

import com.typesafe.config.ConfigOrigin;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects every configuration problem found, so that a user sees them all at once, one line each:
 * {@code file:line: path: problem}. Not thread-safe: one validation fills one instance.
 */
public final class Problems {

    /**
     * One problem: where ({@code file}, {@code line}, {@code path}) and what. {@code path} is null for
     * a problem that is not about one setting (a syntax error); {@code line} is below 1 when unknown.
     */
    public record Problem(String file, int line, String path, String message) {
        @Override
        public String toString() {
            String where = file == null ? "<config>" : file;
            return where + (line > 0 ? ":" + line : "") + ": " + (path == null ? "" : path + ": ") + message;
        }
    }

    private final List<Problem> problems = new ArrayList<>();
    private final List<Problem> warnings = new ArrayList<>();
    private final int kept;
    private int count;

    /** Keeps every problem (a configuration file: its author sees them all). */
    public Problems() {
        this(Integer.MAX_VALUE);
    }

    /**
     * Keeps the first {@code kept} problems and only counts the rest, so that a hostile input
     * costs a bounded amount of memory and work (a request body with 60,000 unknown keys).
     */
    public Problems(int kept) {
        if (kept < 1) throw new IllegalArgumentException("kept must be at least 1: " + kept);
        this.kept = kept;
    }

    /** Records a problem at {@code origin} (may be null), for the config path {@code path}. */
    public void add(ConfigOrigin origin, String path, String message) {
        if (full()) {
            count++;
            return;
        }
        keep(at(origin, path, message));
    }

    private static Problem at(ConfigOrigin origin, String path, String message) {
        String file = null;
        int line = -1;
        if (origin != null) {
            // HOCON names the origin of every system property "system properties".
            file = origin.filename() == null && origin.description().startsWith("system properties") ? "system property"
                    : origin.filename() != null ? origin.filename()
                    : origin.resource() != null ? origin.resource()
                    : origin.url() != null ? origin.url().toString() : origin.description();
            line = origin.lineNumber();
        }
        return new Problem(ConfigLoader.display(file), line, path, message);
    }

    /**
     * Records a problem at a known place: {@code line} below 1 when unknown, {@code path} null when
     * the problem is not about one setting (a syntax error, a missing file). An absolute file name
     * is shown as {@link ConfigLoader#display(java.nio.file.Path)} shows it.
     */
    public void add(String file, int line, String path, String message) {
        if (full()) count++;
        else keep(new Problem(ConfigLoader.display(file), line, path, message));
    }

    private void keep(Problem p) {
        count++;
        problems.add(p);
    }

    /** Whether problems from now on are only counted: a caller may then skip describing them. */
    public boolean full() {
        return problems.size() >= kept;
    }

    /**
     * Records a warning: a setting that works but likely not as meant (it is not a problem, so
     * {@link #isEmpty} and {@link #list} do not count it).
     */
    public void warn(ConfigOrigin origin, String path, String message) {
        warnings.add(at(origin, path, message));
    }

    /** The warnings, in the order they were found. */
    public List<Problem> warnings() {
        return List.copyOf(warnings);
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** How many problems were found, kept or not. */
    public int size() {
        return count;
    }

    /** The problems kept, in the order found. */
    public List<Problem> list() {
        return List.copyOf(problems);
    }

    /** How many problems were found beyond those kept. */
    public int omitted() {
        return count - problems.size();
    }
}
