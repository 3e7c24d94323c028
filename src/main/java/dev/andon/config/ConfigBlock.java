package dev.andon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One object of the configuration being validated, with the path a user sees for it
 * ({@code andon.jobs.demo.calls[2]}), and typed reads that report a problem instead of throwing.
 *
 * <p>Every read takes a single key of this object (never a dotted path), so that keys with dots or
 * other odd characters are read literally. A read of a key that is absent returns {@code null}
 * without a problem; use {@link #has} or {@link #require} to decide whether absence is one. A read
 * of a key that is present but wrong returns {@code null} (or {@link Optional#empty()} where that
 * means {@code off}: see {@link #durationOrOff}) and records exactly one problem.
 */
public final class ConfigBlock {
    private final Config config;
    private final String path;
    private final ConfigOrigin origin;
    private final Problems problems;

    /**
     * @param config   the object's contents
     * @param path     its path as shown to the user; empty for a top-level document (then keys are
     *                 shown bare: {@code calls[1].duration})
     * @param origin   where the object itself is defined, for problems about a missing key; may be null
     * @param problems where problems go
     */
    public ConfigBlock(Config config, String path, ConfigOrigin origin, Problems problems) {
        this.config = config;
        this.path = path;
        this.origin = origin;
        this.problems = problems;
    }

    public Config config() {
        return config;
    }

    public String path() {
        return path;
    }

    public Problems problems() {
        return problems;
    }

    /** The path of {@code key} in this block, as shown to the user. */
    public String pathOf(String key) {
        String k = ConfigUtil.joinPath(key);
        return path.isEmpty() ? k : path + "." + k;
    }

    /** Whether {@code key} is set here (to anything, {@code null} included). */
    public boolean has(String key) {
        return config.root().containsKey(key);
    }

    /** The keys set here, sorted. */
    public Set<String> keys() {
        return new TreeSet<>(config.root().keySet());
    }

    private ConfigValue value(String key) {
        return config.root().get(key);
    }

    /** Where {@code key} is set, or where this block is when it is not. */
    public ConfigOrigin originOf(String key) {
        ConfigValue v = value(key);
        return v != null ? v.origin() : origin;
    }

    /** Records a problem about {@code key}. */
    public void problem(String key, String message) {
        problems.add(originOf(key), pathOf(key), message);
    }

    /** Records a problem about the block itself. */
    public void problem(String message) {
        problems.add(origin, path, message);
    }

    /** Whether {@code key} is set; records "missing" if not. */
    public boolean require(String key) {
        if (has(key)) return true;
        problem(key, "missing (required)");
        return false;
    }

    /** Records every key not in {@code known}, suggesting the nearest known one. */
    public void rejectUnknownKeys(Collection<String> known) {
        for (String key : keys()) {
            if (known.contains(key)) continue;
            if (problems.full()) { // counted only: no need to find a near key for it
                problems.add((ConfigOrigin) null, null, null);
                continue;
            }
            String near = nearest(key, known);
            problem(key, near != null ? "unknown key; did you mean \"" + near + "\"?"
                    : "unknown key; known keys: " + String.join(", ", new TreeSet<>(known)));
        }
    }

    /** A string; numbers and booleans are refused, as they are almost always a mistake here. */
    public String string(String key) {
        ConfigValue v = value(key);
        if (v == null) return null;
        if (v.valueType() != ConfigValueType.STRING) {
            wrongType(key, v, "a string");
            return null;
        }
        return (String) v.unwrapped();
    }

    /** A boolean ({@code true}/{@code false}, {@code on}/{@code off}, {@code yes}/{@code no}). */
    public Boolean bool(String key) {
        ConfigValue v = value(key);
        if (v == null) return null;
        try {
            return config.getBoolean(ConfigUtil.joinPath(key));
        } catch (ConfigException e) {
            wrongType(key, v, "a boolean (on or off)");
            return null;
        }
    }

    /**
     * An integer of at least {@code min}: a number, or a string that is one ({@code "4"}), as
     * {@link Config#getInt} reads it (HOCON gives every system property as a string).
     */
    public Integer integer(String key, int min) {
        ConfigValue v = value(key);
        if (v == null) return null;
        Integer i = v.valueType() == ConfigValueType.NUMBER && v.unwrapped() instanceof Integer n ? n
                : v.valueType() == ConfigValueType.STRING ? parseInt((String) v.unwrapped()) : null;
        if (i == null) {
            wrongType(key, v, "an integer");
            return null;
        }
        if (i < min) {
            problem(key, "must be at least " + min + ", not " + i);
            return null;
        }
        return i;
    }

    private static Integer parseInt(String s) {
        try {
            return Integer.valueOf(s.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** How a duration must compare with zero. */
    public enum Range {
        /** Zero allowed. */
        NON_NEGATIVE,
        /** Zero refused. */
        POSITIVE
    }

    /**
     * A duration with its unit ({@code 500ms}, {@code 2s}, {@code 1m}). A bare number other than 0
     * is refused: HOCON would read {@code abort-grace = 5} as 5 milliseconds, which is seldom meant.
     */
    public Duration duration(String key, Range range) {
        ConfigValue v = value(key);
        if (v == null) return null;
        return checkRange(key, parseDuration(key, v, "a duration"), range);
    }

    /**
     * A duration or {@code off}: {@link Optional#empty()} for {@code off}, {@code null} when absent
     * or wrong (a problem was recorded for wrong).
     */
    @SuppressWarnings("OptionalAssignedToNull") // null is "no value", empty is "off": both are needed
    public Optional<Duration> durationOrOff(String key, Range range) {
        ConfigValue v = value(key);
        if (v == null) return null;
        if (v.valueType() == ConfigValueType.STRING && "off".equals(v.unwrapped())
                || v.valueType() == ConfigValueType.BOOLEAN && Boolean.FALSE.equals(v.unwrapped())) {
            return Optional.empty();
        }
        Duration d = checkRange(key, parseDuration(key, v, "a duration or off"), range);
        return d == null ? null : Optional.of(d);
    }

    private Duration parseDuration(String key, ConfigValue v, String expected) {
        if (v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER) {
            wrongType(key, v, expected);
            return null;
        }
        String bare = String.valueOf(v.unwrapped()).strip();
        if (BARE_NUMBER.matcher(bare).matches() && Double.parseDouble(bare) != 0) {
            problem(key, "a duration needs its unit: write " + bare + "s or " + bare + "ms, not " + bare);
            return null;
        }
        try {
            return config.getDuration(ConfigUtil.joinPath(key));
        } catch (ConfigException e) {
            problem(key, "not " + expected + ": " + v.render() + " (write e.g. 500ms, 2s, 1m)");
            return null;
        }
    }

    private static final java.util.regex.Pattern BARE_NUMBER = java.util.regex.Pattern.compile("[-+]?[0-9]*\\.?[0-9]+");

    private Duration checkRange(String key, Duration d, Range range) {
        if (d == null) return null;
        if (d.isNegative() || range == Range.POSITIVE && d.isZero()) {
            problem(key, "must be " + (range == Range.POSITIVE ? "more than 0" : "at least 0") + ", not "
                    + value(key).render());
            return null;
        }
        return d;
    }

    /** A list of strings. */
    public List<String> strings(String key) {
        ConfigValue v = value(key);
        if (v == null) return null;
        if (v.valueType() != ConfigValueType.LIST) {
            wrongType(key, v, "a list of strings");
            return null;
        }
        List<String> out = new ArrayList<>();
        boolean ok = true;
        List<?> items = (List<?>) v;
        for (int i = 0; i < items.size(); i++) {
            ConfigValue item = (ConfigValue) items.get(i);
            if (item.valueType() == ConfigValueType.STRING) {
                out.add((String) item.unwrapped());
            } else {
                problems.add(item.origin(), pathOf(key) + "[" + i + "]",
                        "must be a string, not " + describe(item));
                ok = false;
            }
        }
        return ok ? out : null;
    }

    /** The object at {@code key} as a block of its own, or {@code null}. */
    public ConfigBlock object(String key) {
        ConfigValue v = value(key);
        if (v == null) return null;
        if (v.valueType() != ConfigValueType.OBJECT) {
            wrongType(key, v, "an object { ... }");
            return null;
        }
        return new ConfigBlock(((ConfigObject) v).toConfig(), pathOf(key), v.origin(), problems);
    }

    /**
     * The list of objects at {@code key}, each as a block with path {@code key[i]}; {@code null}
     * when absent or not a list; elements that are not objects are recorded and left out.
     */
    public List<ConfigBlock> objects(String key) {
        ConfigValue v = value(key);
        if (v == null) return null;
        if (v.valueType() != ConfigValueType.LIST) {
            wrongType(key, v, "a list of objects [ { ... }, ... ]");
            return null;
        }
        List<ConfigBlock> out = new ArrayList<>();
        List<?> items = (List<?>) v;
        for (int i = 0; i < items.size(); i++) {
            ConfigValue item = (ConfigValue) items.get(i);
            String itemPath = pathOf(key) + "[" + i + "]";
            if (item.valueType() == ConfigValueType.OBJECT) {
                out.add(new ConfigBlock(((ConfigObject) item).toConfig(), itemPath, item.origin(), problems));
            } else {
                problems.add(item.origin(), itemPath, "must be an object { ... }, not " + describe(item));
            }
        }
        return out;
    }

    private void wrongType(String key, ConfigValue v, String expected) {
        problem(key, "must be " + expected + ", not " + describe(v));
    }

    static String describe(ConfigValue v) {
        return switch (v.valueType()) {
            case OBJECT -> "an object";
            case LIST -> "a list";
            case NULL -> "null";
            default -> v.valueType().name().toLowerCase(Locale.ROOT) + " " + v.render();
        };
    }

    /** The known key nearest to {@code key} (a likely typo), or {@code null}. */
    static String nearest(String key, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        // A typo is a small edit of a key that is not itself tiny.
        return bestDistance <= Math.max(1, Math.min(2, key.length() / 3)) ? best : null;
    }

    // Edits between a and b, a swap of two neighbours counting as one (prot -> port): the optimal
    // string alignment distance.
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
        return d[a.length()][b.length()];
    }
}
