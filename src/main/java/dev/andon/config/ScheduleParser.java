package dev.andon.config;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.schedule.Overlap;
import dev.andon.schedule.ScheduleSpec;
import dev.andon.schedule.Timing;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a job's {@code schedule { cron | every, time-zone, overlap, catch-up }} block, reporting each
 * problem as one line: a bad cron field (named), an unknown zone (with the nearest known one), both
 * {@code cron} and {@code every} or neither, an unknown {@code overlap}, a negative {@code catch-up}.
 * What the block leaves out comes from {@code andon.schedule-defaults}. Thread-safe and pure apart
 * from the problems it adds.
 */
public final class ScheduleParser {
    /** Where the schedule defaults are. */
    public static final String DEFAULTS_PATH = "andon.schedule-defaults";

    static final Set<String> KEYS = Set.of("cron", "every", "time-zone", "overlap", "catch-up");
    private static final Set<String> DEFAULT_KEYS = Set.of("time-zone", "overlap", "catch-up");

    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final List<String> FIELDS = List.of("minute", "hour", "day-of-month", "month", "day-of-week");
    private static final Map<String, String> NICKNAMES = Map.of(
            "@hourly", "0 * * * *", "@daily", "0 0 * * *", "@midnight", "0 0 * * *", "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *", "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *");
    private static final Duration SHORTEST_INTERVAL = Duration.ofSeconds(1);

    /** The defaults a schedule block falls back on. */
    record Defaults(ZoneId zone, Overlap overlap, Duration catchUp) {
    }

    private ScheduleParser() {
    }

    /**
     * The defaults of {@code config}'s {@code andon.schedule-defaults}, reference.conf's standing in
     * for a bad override (which is reported).
     */
    static Defaults readDefaults(Config config, Problems problems) {
        Config reference = ConfigFactory.defaultReference().getConfig(DEFAULTS_PATH);
        Problems ignored = new Problems();
        ConfigBlock floor = new ConfigBlock(reference, DEFAULTS_PATH, null, ignored);
        Defaults d = new Defaults(zone(floor, ZoneOffset.UTC), overlap(floor, Overlap.SKIP),
                floor.duration("catch-up", ConfigBlock.Range.NON_NEGATIVE));
        if (!ignored.isEmpty()) throw new IllegalStateException("reference.conf " + DEFAULTS_PATH + ": " + ignored.list());
        if (!config.hasPath(DEFAULTS_PATH)) return d;
        ConfigBlock own = new ConfigBlock(config.getConfig(DEFAULTS_PATH), DEFAULTS_PATH,
                config.getValue(DEFAULTS_PATH).origin(), problems);
        own.rejectUnknownKeys(DEFAULT_KEYS);
        Duration catchUp = own.duration("catch-up", ConfigBlock.Range.NON_NEGATIVE);
        // A bad override is reported; reference.conf's value stands in so that the jobs can be checked.
        return new Defaults(java.util.Objects.requireNonNullElse(zone(own, d.zone()), d.zone()),
                java.util.Objects.requireNonNullElse(overlap(own, d.overlap()), d.overlap()),
                catchUp != null ? catchUp : d.catchUp());
    }

    /**
     * Reads {@code block}; {@code null} when it has a problem (each one recorded).
     */
    static ScheduleSpec parse(ConfigBlock block, Defaults defaults) {
        Problems problems = block.problems();
        int before = problems.size();
        block.rejectUnknownKeys(KEYS);
        Timing timing = null;
        if (block.has("cron") && block.has("every")) {
            block.problem("every", "set cron or every, not both");
            block.string("cron");
            block.duration("every", ConfigBlock.Range.POSITIVE);
        } else if (block.has("cron")) {
            timing = cron(block);
        } else if (block.has("every")) {
            Duration every = block.duration("every", ConfigBlock.Range.POSITIVE);
            if (every != null && every.compareTo(SHORTEST_INTERVAL) < 0)
                block.problem("every", "must be at least 1s, not " + block.config().getValue("every").render());
            else if (every != null) timing = new Timing.Every(every);
        } else {
            block.problem("needs cron (e.g. cron = \"0 2 * * *\") or every (e.g. every = 30s)");
        }
        ZoneId zone = zone(block, defaults.zone());
        Overlap overlap = overlap(block, defaults.overlap());
        Duration catchUp = block.duration("catch-up", ConfigBlock.Range.NON_NEGATIVE);
        if (problems.size() > before || timing == null) return null;
        return new ScheduleSpec(timing, zone, overlap, catchUp != null ? catchUp : defaults.catchUp());
    }

    private static Timing cron(ConfigBlock block) {
        String written = block.string("cron");
        if (written == null) return null;
        String expression = written.trim().replaceAll("\\s+", " ");
        if (expression.startsWith("@")) {
            String fields = NICKNAMES.get(expression.toLowerCase(Locale.ROOT));
            if (fields == null) {
                block.problem("cron", "unknown \"" + written + "\"; use @hourly, @daily, @weekly, @monthly, @yearly "
                        + "or five fields");
                return null;
            }
            return new Timing.Cron(expression, ExecutionTime.forCron(CRON.parse(fields)));
        }
        String[] parts = expression.isEmpty() ? new String[0] : expression.split(" ");
        if (parts.length != FIELDS.size()) {
            block.problem("cron", "\"" + written + "\" has " + parts.length + (parts.length == 1 ? " field" : " fields")
                    + "; a cron expression has five (minute hour day-of-month month day-of-week) or is @hourly, "
                    + "@daily, @weekly or @monthly");
            return null;
        }
        // cron-utils says what is wrong but not in which field: each field is tried alone first.
        for (int i = 0; i < parts.length; i++) {
            String[] alone = {"*", "*", "*", "*", "*"};
            alone[i] = parts[i];
            String error = parseError(String.join(" ", alone));
            if (error != null) {
                block.problem("cron", FIELDS.get(i) + " field \"" + parts[i] + "\": " + error);
                return null;
            }
        }
        String error = parseError(expression);
        if (error != null) {
            block.problem("cron", "\"" + written + "\": " + error);
            return null;
        }
        ExecutionTime execution = ExecutionTime.forCron(CRON.parse(expression));
        // No wall-clock time matches (31 February): a schedule that never fires is a mistake.
        if (execution.nextExecution(ZonedDateTime.ofInstant(Instant.EPOCH, ZoneOffset.UTC)).isEmpty()) {
            block.problem("cron", "\"" + written + "\" never fires (no date has that day in that month)");
            return null;
        }
        return new Timing.Cron(expression, execution);
    }

    private static String parseError(String expression) {
        try {
            CRON.parse(expression).validate();
            return null;
        } catch (IllegalArgumentException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            m = m.replace("Failed to parse cron expression. ", "").replace("Failed to parse '" + expression + "'. ", "");
            return m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1);
        }
    }

    private static ZoneId zone(ConfigBlock block, ZoneId fallback) {
        String id = block.string("time-zone");
        if (id == null) return fallback;
        if (ZoneId.getAvailableZoneIds().contains(id) || id.equals("UTC")) {
            try {
                return ZoneId.of(id);
            } catch (DateTimeException e) {
                // not a zone after all: reported below
            }
        }
        String near = ConfigBlock.nearest(id, ZoneId.getAvailableZoneIds());
        block.problem("time-zone", "unknown time zone \"" + id + "\"; "
                + (near != null ? "did you mean \"" + near + "\"?" : "use an IANA zone such as Europe/Berlin or UTC"));
        return null;
    }

    private static Overlap overlap(ConfigBlock block, Overlap fallback) {
        String name = block.string("overlap");
        if (name == null) return fallback;
        Overlap overlap = Overlap.fromConfigName(name);
        if (overlap == null) block.problem("overlap", "must be " + Overlap.configNames() + ", not \"" + name + "\"");
        return overlap;
    }
}
