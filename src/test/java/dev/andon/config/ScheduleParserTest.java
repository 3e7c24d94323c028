package dev.andon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.schedule.Overlap;
import dev.andon.schedule.ScheduleSpec;
import dev.andon.schedule.Timing;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScheduleParserTest {

    @Test
    void shouldReadEachScheduleWithTheDefaultsForWhatItLeavesOut() {
        Catalog catalog = ConfigFixtures.catalogOf(ConfigFixtures.DIR + "schedules.conf");
        ScheduleSpec nightly = catalog.entry("nightly").orElseThrow().schedule();
        assertEquals(ZoneId.of("Europe/Berlin"), nightly.zone());
        assertEquals(Overlap.REPLACE, nightly.overlap());
        assertEquals(Duration.ofHours(1), nightly.catchUp());
        assertEquals("cron \"0 2 * * *\" in Europe/Berlin, overlap replace, catch-up 1h", nightly.describe());

        ScheduleSpec hourly = catalog.entry("hourly").orElseThrow().schedule();
        assertEquals(ZoneId.of("UTC"), hourly.zone()); // reference.conf
        assertEquals(Overlap.SKIP, hourly.overlap()); // reference.conf
        assertEquals(Duration.ofMinutes(30), hourly.catchUp()); // the file's andon.schedule-defaults
        assertEquals(Instant.parse("2026-05-05T11:00:00Z"), hourly.nextAfter(Instant.parse("2026-05-05T10:00:00Z")));

        ScheduleSpec pulse = catalog.entry("pulse").orElseThrow().schedule();
        assertEquals(new Timing.Every(Duration.ofSeconds(30)), pulse.timing());
        assertEquals(Overlap.BUFFER_ONE, pulse.overlap());
        assertNull(catalog.entry("unscheduled").orElseThrow().schedule());
    }

    @Test
    void shouldReadEveryNickname() {
        Instant t = Instant.parse("2026-05-05T10:30:00Z"); // a Tuesday
        for (var row : List.of(List.of("@hourly", "2026-05-05T11:00:00Z"), List.of("@daily", "2026-05-06T00:00:00Z"),
                List.of("@weekly", "2026-05-10T00:00:00Z"), List.of("@monthly", "2026-06-01T00:00:00Z"),
                List.of("@yearly", "2027-01-01T00:00:00Z"), List.of("@DAILY", "2026-05-06T00:00:00Z"))) {
            Config c = ConfigFixtures.parse("andon.jobs.j { schedule.cron = \"" + row.get(0)
                    + "\", calls = [ { name = a, kind = sleep, duration = 1ms } ] }");
            Problems problems = new Problems();
            Catalog catalog = Catalog.load(c, ConfigFixtures.context(c), problems);
            assertTrue(problems.isEmpty(), problems.list().toString());
            assertEquals(Instant.parse(row.get(1)), catalog.entry("j").orElseThrow().schedule().nextAfter(t), row.get(0));
        }
    }

    @Test
    void shouldLeaveOutAJobWhoseScheduleIsBadAndSaySoOnce() {
        Config c = ConfigFixtures.parse("andon.jobs.j { schedule { cron = \"0 2 * * *\", time-zone = Nowhere }, "
                + "calls = [ { name = a, kind = sleep, duration = 1ms } ] }");
        Problems problems = new Problems();
        Catalog catalog = Catalog.load(c, ConfigFixtures.context(c), problems);
        assertEquals(1, problems.size(), problems.list().toString());
        assertTrue(catalog.entry("j").isEmpty());
    }

    @Test
    void shouldRefuseAScheduleOnAPostedJob() {
        Config defaults = ConfigFactory.defaultReference();
        Config job = ConfigFactory.parseString("schedule { every = 1m }, calls = [ { name = a, kind = sleep, duration = 1ms } ]");
        Problems problems = new Problems();
        assertNull(Catalog.parseJob("posted", job, "", problems, ConfigFixtures.context(defaults), Set.of("sleep")));
        assertEquals(1, problems.size(), problems.list().toString());
        assertTrue(problems.list().get(0).toString().contains("schedule: only a catalog job may have a schedule"),
                problems.list().toString());
    }
}
