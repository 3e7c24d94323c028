package dev.andon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks every setting under {@code andon} against Andon's {@code reference.conf}: a key it does
 * not have is unknown (a typo would otherwise be silently ignored), and a value must read the way
 * the default does (a number, a boolean, a duration, a size), within the bounds a few settings
 * have. The sections whose keys are the user's own (the jobs, the dispatchers, ...) are left to
 * their own parsers.
 */
final class SettingsCheck {
    private SettingsCheck() {
    }

    /** reference.conf alone, without the system properties that ConfigFactory.defaultReference() adds. */
    private static final Config REFERENCE = ConfigFactory.defaultReferenceUnresolved().resolve();

    /** Sections under {@code andon} in reference.conf whose keys are not a closed set. */
    private static final Set<String> OPEN_SECTIONS = Set.of("andon.jobs", "andon.job-defaults",
            "andon.schedule-defaults", "andon.blocking-dispatcher", "andon.virtual-dispatcher",
            "andon.abort-hook-dispatcher", JdbcKind.POOLS);

    /** Reports every problem of the settings under {@code andon} (the object at {@code andon}). */
    static void check(ConfigObject andon, Problems problems) {
        // The reference as its files say it: ConfigFactory.defaultReference() has the system
        // properties in it too, which would make every -Dandon.* key a known one.
        rejectUnknownSettings(andon, REFERENCE.getObject("andon"), "andon", problems);
    }

    /**
     * Reports keys of {@code actual} that {@code reference} does not have, recursively through
     * the closed sections; under {@code andon} itself an object that looks like a dispatcher is
     * allowed (a job's bulkhead may be declared there).
     */
    private static void rejectUnknownSettings(ConfigObject actual, ConfigObject reference, String path,
                                              Problems problems) {
        ConfigBlock block = new ConfigBlock(actual.toConfig(), path, actual.origin(), problems);
        Set<String> known = new TreeSet<>(reference.keySet());
        // scripts/andon passes -Dandon.home, and system properties are part of the configuration.
        if (path.equals("andon")) known.add("home");
        for (String key : block.keys()) {
            ConfigValue value = actual.get(key);
            if (path.equals("andon") && !known.contains(key) && looksLikeDispatcher(value)) known.add(key);
            if (known.contains(key) && !OPEN_SECTIONS.contains(block.pathOf(key))
                    && value instanceof ConfigObject sub && reference.get(key) instanceof ConfigObject subReference) {
                rejectUnknownSettings(sub, subReference, block.pathOf(key), problems);
            } else if (known.contains(key) && reference.get(key) != null && !(value instanceof ConfigObject)) {
                checkLikeReference(actual.toConfig(), reference.toConfig(), key, block.pathOf(key), problems);
            }
        }
        block.rejectUnknownKeys(known);
    }

    /**
     * Reports a setting whose value cannot be read the way its reference.conf default is: a number,
     * a boolean, a duration or a memory size (so {@code andon.http.port = "eighty"} is caught here,
     * not when the service starts).
     */
    private static void checkLikeReference(Config actual, Config reference, String key, String path, Problems problems) {
        String quoted = ConfigUtil.quoteString(key);
        ConfigValue value = actual.getValue(quoted);
        Shape shape = Shape.of(reference.getValue(quoted));
        try {
            shape.read(actual, quoted);
        } catch (ConfigException.BadValue | ConfigException.WrongType e) {
            problems.add(value.origin(), path, "must be " + shape.description + ", not " + ConfigBlock.describe(value));
            return;
        }
        // No time Andon waits for is negative; a timeout of nothing would fail every ask.
        if (shape == Shape.DURATION && path.startsWith("andon.")) {
            Duration d = actual.getDuration(quoted);
            String given = "\"" + value.unwrapped() + "\"";
            Duration least = LEAST_DURATIONS.getOrDefault(path, Duration.ZERO);
            if (d.isNegative()) problems.add(value.origin(), path, "must be at least 0, not " + given);
            else if (d.isZero() && POSITIVE_DURATIONS.contains(path))
                problems.add(value.origin(), path, "must be more than 0, not " + given);
            else if (d.compareTo(least) < 0)
                problems.add(value.origin(), path, "must be at least " + least.toMillis() + "ms, not " + given);
            else if (d.compareTo(most(path)) > 0)
                problems.add(value.origin(), path, "must be at most " + describe(most(path)) + ", not " + given);
        }
    }

    /**
     * The longest value of a duration setting under andon.* (the job settings, which the engine
     * times in steps, have none). Akka's scheduler takes at most Integer.MAX_VALUE ticks at once,
     * ~24.8 days at andon run's 1 ms tick, and these settings go to it whole (asks, keep-alives);
     * a scheduler that ticks slower than Akka's own 10 ms makes every timer late.
     */
    static Duration most(String path) {
        // The store's retention age is compared with finish times, never given to a scheduler.
        if (path.equals("andon.store.retention.max-age")) return Duration.ofDays(365L * 1000);
        // A fire's run waits live for its time: seconds at most (what a pause or a shutdown then aborts).
        if (path.equals("andon.schedules.submit-ahead")) return Duration.ofSeconds(10);
        return path.equals("andon.cli.scheduler-tick") || path.equals("andon.schedules.timer-tick")
                ? Duration.ofMillis(10) : Duration.ofDays(24);
    }

    private static String describe(Duration d) {
        return d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays())) ? d.toDays() + "d" : d.toMillis() + "ms";
    }

    /** Settings under andon.* that are timeouts of an ask, which must be positive. */
    private static final Set<String> POSITIVE_DURATIONS = Set.of("andon.snapshot-timeout", "andon.http.ask-timeout",
            "andon.http.request-arrival-timeout");

    /** Settings under andon.* with a floor of their own (Akka's scheduler ticks no faster than 1 ms; HikariCP waits at least 250 ms). */
    private static final Map<String, Duration> LEAST_DURATIONS = Map.of("andon.cli.scheduler-tick", Duration.ofMillis(1),
            "andon.schedules.timer-tick", Duration.ofMillis(1),
            "andon.jdbc.pool-defaults.connection-timeout", Duration.ofMillis(250));

    /** How a reference.conf default says its setting is read. */
    private enum Shape {
        NUMBER("a number"), BOOLEAN("a boolean (on or off)"), DURATION("a duration (e.g. 500ms, 2s)"),
        SIZE("a size (e.g. 64 KiB, 1 MiB)"), STRING("a string"), OTHER("");

        final String description;

        Shape(String description) {
            this.description = description;
        }

        private static final Set<String> BOOLEAN_WORDS = Set.of("on", "off", "yes", "no", "true", "false");

        static Shape of(ConfigValue reference) {
            return switch (reference.valueType()) {
                case NUMBER -> NUMBER;
                case BOOLEAN -> BOOLEAN;
                case STRING -> {
                    Config c = ConfigFactory.empty().withValue("v", reference);
                    String s = c.getString("v");
                    if (s.matches("\\d+")) yield STRING; // a bare number in quotes reads as anything
                    // HOCON reads an unquoted on/off (yes/no) as a string that getBoolean accepts.
                    if (BOOLEAN_WORDS.contains(s)) yield BOOLEAN;
                    if (reads(() -> c.getDuration("v"))) yield DURATION;
                    yield reads(() -> c.getBytes("v")) ? SIZE : STRING;
                }
                default -> OTHER;
            };
        }

        private static boolean reads(Runnable read) {
            try {
                read.run();
                return true;
            } catch (ConfigException e) {
                return false;
            }
        }

        void read(Config config, String key) {
            switch (this) {
                case NUMBER -> config.getNumber(key);
                case BOOLEAN -> config.getBoolean(key);
                case DURATION -> config.getDuration(key);
                case SIZE -> config.getBytes(key);
                case STRING -> config.getString(key);
                default -> { }
            }
        }
    }

    private static boolean looksLikeDispatcher(ConfigValue value) {
        return value instanceof ConfigObject o && (o.containsKey("executor") || o.containsKey("type"));
    }
}
