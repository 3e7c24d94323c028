package dev.andon.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TimingTest {

    private static List<Instant> fires(ScheduleSpec s, Instant from, Instant until) {
        List<Instant> out = new ArrayList<>();
        for (Instant at = s.nextAfter(from); at != null && at.isBefore(until); at = s.nextAfter(at)) out.add(at);
        return out;
    }

    /**
     * The reference, computed without cron: every whole UTC hour of the year, except the one whose
     * wall-clock time repeats the hour before (the second pass of a repeated hour). A skipped hour
     * needs no rule: its fire is the end of the gap, which is the next whole hour anyway.
     */
    private static List<Instant> hourlyReference(ZoneId zone, int year) {
        Instant from = LocalDateTime.of(year, 1, 1, 0, 0).atZone(zone).toInstant();
        Instant until = LocalDateTime.of(year + 1, 1, 1, 0, 0).atZone(zone).toInstant();
        List<Instant> out = new ArrayList<>();
        for (Instant at = from; at.isBefore(until); at = at.plus(Duration.ofHours(1))) {
            LocalDateTime local = LocalDateTime.ofInstant(at, zone);
            LocalDateTime before = LocalDateTime.ofInstant(at.minus(Duration.ofHours(1)), zone);
            if (!local.equals(before)) out.add(at);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"Europe/Berlin", "America/New_York", "UTC", "Australia/Lord_Howe"})
    void shouldFireAYearOfHourlyFiresExactlyAsTheReferenceList(String zoneId) {
        ZoneId zone = ZoneId.of(zoneId);
        ScheduleSpec hourly = Schedules.cron("0 * * * *", zoneId);
        List<Instant> reference = hourlyReference(zone, 2026);
        Instant start = LocalDateTime.of(2026, 1, 1, 0, 0).atZone(zone).toInstant();
        Instant end = LocalDateTime.of(2027, 1, 1, 0, 0).atZone(zone).toInstant();
        List<Instant> fires = fires(hourly, start.minusMillis(1), end);
        if (!zoneId.equals("Australia/Lord_Howe")) {
            assertEquals(reference, fires);
            // 8760 hours, one of them repeated: it fires once.
            assertEquals(zoneId.equals("UTC") ? 8760 : 8759, fires.size());
        } else {
            // Lord Howe shifts by 30 minutes: no whole hour repeats, and the skipped 02:00 (its
            // gap is 02:00-02:30) fires at the gap's end, so every local hour fires once.
            assertEquals(8760, fires.size());
            List<Instant> offTheHour = fires.stream().filter(f -> ZonedDateTime.ofInstant(f, zone).getMinute() != 0).toList();
            assertEquals(List.of(Instant.parse("2026-10-03T15:30:00Z")), offTheHour);
        }
    }

    @ParameterizedTest(name = "{0} in {1} after {2} -> {3}")
    @CsvSource({
            // Berlin, spring forward 2026-03-29 02:00 CET -> 03:00 CEST (01:00Z): 02:30 does not
            // exist and fires once at the end of the gap.
            "30 2 * * *,   Europe/Berlin,    2026-03-28T12:00:00Z, 2026-03-29T01:00:00Z",
            "30 2 * * *,   Europe/Berlin,    2026-03-29T01:00:00Z, 2026-03-30T00:30:00Z",
            // Berlin, fall back 2026-10-25 03:00 CEST -> 02:00 CET (01:00Z): 02:30 comes twice
            // and fires at its first occurrence only.
            "30 2 * * *,   Europe/Berlin,    2026-10-24T12:00:00Z, 2026-10-25T00:30:00Z",
            "30 2 * * *,   Europe/Berlin,    2026-10-25T00:30:00Z, 2026-10-26T01:30:00Z",
            // Every quarter of the skipped hour collapses into the one fire at the gap's end.
            "*/15 2 * * *, Europe/Berlin,    2026-03-29T00:50:00Z, 2026-03-29T01:00:00Z",
            "*/15 2 * * *, Europe/Berlin,    2026-03-29T01:00:00Z, 2026-03-30T00:00:00Z",
            // ... and the repeated hour's quarters fire in its first pass only.
            "*/15 2 * * *, Europe/Berlin,    2026-10-25T00:45:00Z, 2026-10-26T01:00:00Z",
            // New York, spring forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00Z).
            "30 2 * * *,   America/New_York, 2026-03-07T12:00:00Z, 2026-03-08T07:00:00Z",
            "0 3 * * *,    America/New_York, 2026-03-07T12:00:00Z, 2026-03-08T07:00:00Z",
            // New York, fall back 2026-11-01 02:00 EDT -> 01:00 EST (06:00Z): 01:30 once, in EDT.
            "30 1 * * *,   America/New_York, 2026-10-31T12:00:00Z, 2026-11-01T05:30:00Z",
            "30 1 * * *,   America/New_York, 2026-11-01T05:30:00Z, 2026-11-02T06:30:00Z",
            // A time outside the transitions is the plain wall clock.
            "0 2 * * *,    Europe/Berlin,    2026-07-01T00:00:00Z, 2026-07-02T00:00:00Z",
            "0 2 * * *,    Europe/Berlin,    2026-01-01T00:00:00Z, 2026-01-01T01:00:00Z",
            // Unix cron: a day of the month and a day of the week both set means either.
            "0 0 13 * 5,   UTC,              2026-02-12T00:00:00Z, 2026-02-13T00:00:00Z",
            "0 0 13 * 5,   UTC,              2026-02-13T00:00:00Z, 2026-02-20T00:00:00Z",
            // Strictly after: a fire at t is not the next one after t.
            "0 * * * *,    UTC,              2026-05-05T10:00:00Z, 2026-05-05T11:00:00Z",
            "0 * * * *,    UTC,              2026-05-05T09:59:59.999Z, 2026-05-05T10:00:00Z",
    })
    void shouldResolveWallClockTimesAcrossDaylightSaving(String cron, String zone, Instant after, Instant next) {
        assertEquals(next, Schedules.cron(cron.trim(), zone.trim()).nextAfter(after));
    }

    @Test
    void shouldFireAnIntervalAtMultiplesOfItFromTheEpochWithoutDrift() {
        ScheduleSpec every = Schedules.every(Duration.ofSeconds(30), Overlap.SKIP, Duration.ZERO);
        assertEquals(Instant.parse("2026-05-05T10:00:30Z"), every.nextAfter(Instant.parse("2026-05-05T10:00:00Z")));
        assertEquals(Instant.parse("2026-05-05T10:00:30Z"), every.nextAfter(Instant.parse("2026-05-05T10:00:29.999Z")));
        // A year of fires, each computed from the schedule: the last is exactly where it belongs.
        Instant at = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 365 * 2880; i++) at = every.nextAfter(at.plusMillis(7)); // 7 ms late each time
        assertEquals(Instant.parse("2027-01-01T00:00:00Z"), at);
        ScheduleSpec sevenMinutes = Schedules.every(Duration.ofMinutes(7), Overlap.SKIP, Duration.ZERO);
        assertEquals(0, sevenMinutes.nextAfter(Instant.parse("2026-05-05T10:00:00Z")).toEpochMilli() % 420_000);
    }

    @Test
    void shouldListTheNextFiresInOrder() {
        List<Instant> next = Schedules.cron("0 2 * * *", "Europe/Berlin").next(Instant.parse("2026-10-23T12:00:00Z"), 3);
        assertEquals(List.of(Instant.parse("2026-10-24T00:00:00Z"), Instant.parse("2026-10-25T00:00:00Z"),
                Instant.parse("2026-10-26T01:00:00Z")), next);
        for (int i = 1; i < next.size(); i++) assertTrue(next.get(i).isAfter(next.get(i - 1)));
    }
}
