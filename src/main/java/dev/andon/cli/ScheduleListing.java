package dev.andon.cli;

import dev.andon.config.Catalog;
import dev.andon.schedule.ScheduleSpec;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** What {@code andon check} says of the catalog's schedules: each one, and its next fires in its zone. */
final class ScheduleListing {
    /** How many next fires {@code check} shows. */
    static final int NEXT_FIRES = 3;
    private static final DateTimeFormatter WALL_CLOCK = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ssxxx");

    private ScheduleListing() {
    }

    /** The lines for {@code catalog}'s schedules as of {@code now}; none when no job has a schedule. */
    static List<String> lines(Catalog catalog, Instant now) {
        List<String> lines = new ArrayList<>();
        for (Catalog.Entry e : catalog.entries().values()) {
            ScheduleSpec s = e.schedule();
            if (s == null) continue;
            if (lines.isEmpty()) lines.add("Schedules (fired by andon serve):");
            List<Instant> next = s.next(now, NEXT_FIRES);
            lines.add("  " + e.name() + ": " + s.describe());
            lines.add("    next: " + (next.isEmpty() ? "never"
                    : next.stream().map(at -> WALL_CLOCK.format(at.atZone(s.zone()))).collect(Collectors.joining(", "))));
        }
        return lines;
    }
}
