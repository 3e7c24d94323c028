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

    /** Records a problem at {@code origin} (may be null), for the config path {@code path}. */
    public void add(ConfigOrigin origin, String path, String message) {
        String file = null;
        int line = -1;
        if (origin != null) {
            file = origin.filename() != null ? origin.filename()
                    : origin.resource() != null ? origin.resource()
                    : origin.url() != null ? origin.url().toString() : origin.description();
            line = origin.lineNumber();
        }
        problems.add(new Problem(ConfigLoader.display(file), line, path, message));
    }

    /**
     * Records a problem at a known place: {@code line} below 1 when unknown, {@code path} null when
     * the problem is not about one setting (a syntax error, a missing file). An absolute file name
     * is shown as {@link ConfigLoader#display(java.nio.file.Path)} shows it.
     */
    public void add(String file, int line, String path, String message) {
        problems.add(new Problem(ConfigLoader.display(file), line, path, message));
    }

    public boolean isEmpty() {
        return problems.isEmpty();
    }

    public int size() {
        return problems.size();
    }

    public List<Problem> list() {
        return List.copyOf(problems);
    }
}
