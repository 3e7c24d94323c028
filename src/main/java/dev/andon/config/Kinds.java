package dev.andon.config;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The call kinds a catalog knows, by their {@code kind = ...} name. Immutable. */
public final class Kinds {
    private final Map<String, KindParser> parsers;

    public Kinds(Collection<? extends KindParser> parsers) {
        Map<String, KindParser> byName = new TreeMap<>();
        for (KindParser p : parsers) {
            if (byName.put(p.kind(), p) != null) throw new IllegalArgumentException("two parsers for kind " + p.kind());
        }
        this.parsers = Collections.unmodifiableMap(byName);
    }

    /** The built-in kinds: {@code sleep}, {@code command}, {@code http}, {@code jdbc}, {@code class}. */
    public static Kinds standard() {
        return new Kinds(List.of(new SleepKind(), new CommandKind(), new HttpKind(), new JdbcKind(), new ClassKind()));
    }

    /** The parser for {@code kind}, or {@code null}. */
    public KindParser get(String kind) {
        return parsers.get(kind);
    }

    /** The kind names, sorted. */
    public Set<String> names() {
        return parsers.keySet();
    }
}
