package dev.andon.schedule;

import com.cronutils.model.time.ExecutionTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.Objects;
import java.util.Optional;

/**
 * When a schedule fires: a cron expression read in a time zone, or a fixed interval.
 *
 * <h2>Daylight saving</h2>
 * A cron expression names wall-clock times. A wall-clock time that a daylight-saving gap skips
 * fires once, at the end of the gap (every such time of one gap collapses into that one fire); a
 * wall-clock time that an overlap repeats fires once, at its first occurrence. A fire is thus
 * {@code resolve(L)} for each matching local time {@code L}, and since {@code resolve} never goes
 * back in time, the fires are in order and none is counted twice.
 *
 * <h2>Intervals</h2>
 * {@code every} fires at the multiples of the interval counted from 1970-01-01T00:00Z, whatever the
 * time zone: each fire is computed from the schedule, never from the previous fire, so the
 * schedule does not drift and a restart keeps the same fire times.
 */
public sealed interface Timing {

    /** The first fire strictly after {@code t}, or {@code null} when there is none. */
    Instant nextAfter(Instant t, ZoneId zone);

    /** The schedule as a user wrote it: {@code cron "0 2 * * *"} or {@code every 30s}. */
    String describe();

    /**
     * A five-field Unix cron expression.
     *
     * @param expression as written ({@code @daily} stays {@code @daily})
     * @param execution  cron-utils' reading of it; it is only ever asked about a zone without
     *                   daylight saving (UTC standing for the local wall clock): DST is ours
     */
    record Cron(String expression, ExecutionTime execution) implements Timing {
        // Matching local times that resolve to at or before t (at most those of one repeated hour
        // or one gap) are passed over; the bound only guards against a loop on a bug.
        private static final int MAX_STEPS = 100_000;

        public Cron {
            Objects.requireNonNull(expression, "expression");
            Objects.requireNonNull(execution, "execution");
        }

        @Override
        public Instant nextAfter(Instant t, ZoneId zone) {
            ZoneRules rules = zone.getRules();
            // Every local time before t's own wall-clock time resolves to at or before t.
            LocalDateTime local = LocalDateTime.ofInstant(t, zone).truncatedTo(ChronoUnit.SECONDS).minusSeconds(1);
            for (int i = 0; i < MAX_STEPS; i++) {
                Optional<ZonedDateTime> next = execution.nextExecution(local.atZone(ZoneOffset.UTC));
                if (next.isEmpty()) return null;
                local = next.get().toLocalDateTime();
                Instant fire = resolve(local, rules);
                if (fire.isAfter(t)) return fire;
            }
            throw new IllegalStateException("cron " + expression + ": no fire after " + t + " in " + MAX_STEPS + " steps");
        }

        /** The instant a wall-clock time fires: the gap's end when skipped, its first occurrence when repeated. */
        static Instant resolve(LocalDateTime local, ZoneRules rules) {
            var offsets = rules.getValidOffsets(local);
            if (offsets.isEmpty()) return rules.getTransition(local).getInstant();
            if (offsets.size() == 1) return local.toInstant(offsets.get(0));
            ZoneOffsetTransition overlap = rules.getTransition(local);
            return local.toInstant(overlap.getOffsetBefore());
        }

        @Override
        public String describe() {
            return "cron \"" + expression + "\"";
        }
    }

    /** A fixed interval, at least a second. */
    record Every(Duration interval) implements Timing {
        public Every {
            Objects.requireNonNull(interval, "interval");
            if (interval.compareTo(Duration.ofSeconds(1)) < 0)
                throw new IllegalArgumentException("interval must be at least 1s: " + interval);
        }

        @Override
        public Instant nextAfter(Instant t, ZoneId zone) {
            long step = interval.toMillis();
            long k = Math.floorDiv(t.toEpochMilli(), step) + 1;
            return Instant.ofEpochMilli(Math.multiplyExact(k, step));
        }

        /** How many fires lie in {@code (after, upTo]}. */
        long countBetween(Instant after, Instant upTo) {
            long step = interval.toMillis();
            return Math.max(0, Math.floorDiv(upTo.toEpochMilli(), step) - Math.floorDiv(after.toEpochMilli(), step));
        }

        /** The last fire at or before {@code t}. */
        Instant atOrBefore(Instant t) {
            long step = interval.toMillis();
            return Instant.ofEpochMilli(Math.floorDiv(t.toEpochMilli(), step) * step);
        }

        @Override
        public String describe() {
            return "every " + render(interval);
        }

        /** {@code 30s}, {@code 5m}, {@code 1500ms}: the largest unit that says it exactly. */
        public static String render(Duration d) {
            long ms = d.toMillis();
            if (ms % 86_400_000 == 0) return ms / 86_400_000 + "d";
            if (ms % 3_600_000 == 0) return ms / 3_600_000 + "h";
            if (ms % 60_000 == 0) return ms / 60_000 + "m";
            if (ms % 1_000 == 0) return ms / 1_000 + "s";
            return ms + "ms";
        }
    }
}
