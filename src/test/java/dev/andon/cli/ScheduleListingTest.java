package dev.andon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import dev.andon.config.Catalog;
import dev.andon.config.ConfigLoader;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleListingTest {

    @Test
    void shouldListEachScheduleWithItsNextThreeFiresInItsZone() {
        Problems problems = new Problems();
        Config config = ConfigLoader.load(Path.of("src/test/resources/config/schedules.conf"), problems);
        Catalog catalog = Catalog.load(config, new KindContext(config, HttpClient::newHttpClient), problems);
        // The night Berlin falls back: 02:00 is CEST the first night, CET the next two.
        List<String> lines = ScheduleListing.lines(catalog, Instant.parse("2026-10-23T10:00:10Z"));
        assertEquals(List.of(
                "Schedules (fired by andon serve):",
                "  hourly: cron \"@hourly\" in UTC, overlap skip, catch-up 30m",
                "    next: 2026-10-23 11:00:00+00:00, 2026-10-23 12:00:00+00:00, 2026-10-23 13:00:00+00:00",
                "  nightly: cron \"0 2 * * *\" in Europe/Berlin, overlap replace, catch-up 1h",
                "    next: 2026-10-24 02:00:00+02:00, 2026-10-25 02:00:00+02:00, 2026-10-26 02:00:00+01:00",
                "  pulse: every 30s, overlap buffer-one, catch-up 30m",
                "    next: 2026-10-23 10:00:30+00:00, 2026-10-23 10:01:00+00:00, 2026-10-23 10:01:30+00:00"), lines);
    }
}
