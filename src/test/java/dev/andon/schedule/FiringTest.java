package dev.andon.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The decisions of {@link Firing}, row by row as README's schedules section shows them. */
class FiringTest {

    @ParameterizedTest(name = "{0}, live {1}, waiting {2} -> {3}")
    @CsvSource({
            // overlap,  live,  waiting, action
            "SKIP,       false, false,   START",
            "SKIP,       true,  false,   SKIP",
            "BUFFER_ONE, false, false,   START",
            "BUFFER_ONE, true,  false,   WAIT",
            "BUFFER_ONE, true,  true,    SKIP",
            "REPLACE,    false, false,   START",
            "REPLACE,    true,  false,   REPLACE",
            "REPLACE,    true,  true,    SKIP",
            "ALLOW,      false, false,   START",
            "ALLOW,      true,  false,   START",
    })
    void shouldDecideWhatAFireDoesUnderEachOverlapPolicy(Overlap overlap, boolean live, boolean waiting,
                                                         Firing.Action action) {
        assertEquals(action, Firing.onFire(overlap, live, waiting));
    }

    @ParameterizedTest(name = "waiting {0}, live left {1} -> {2}")
    @CsvSource({"true, 0, true", "true, 1, false", "false, 0, false"})
    void shouldStartTheWaitingFireOnlyOnceNoRunIsLive(boolean waiting, int liveLeft, boolean start) {
        assertEquals(start, Firing.startWaiting(waiting, liveLeft));
    }

    @ParameterizedTest(name = "{0} catch-up {1}: handled {2}, now {3} -> run {4}, missed {5}")
    @CsvSource({
            // schedule,  catch-up, handled through,        now,                    run,                   missed
            // down from 01:30 to 02:10, a 02:00 fire missed 10 minutes ago: within 1h, it runs.
            "0 2 * * *,   PT1H,       2026-05-05T01:30:00Z,   2026-05-05T02:10:00Z,   2026-05-05T02:00:00Z,  0",
            // ... but not under catch-up 0s, nor when it is older than the window.
            "0 2 * * *,   PT0S,       2026-05-05T01:30:00Z,   2026-05-05T02:10:00Z,   ,                      1",
            "0 2 * * *,   PT1H,       2026-05-05T01:30:00Z,   2026-05-05T03:10:00Z,   ,                      1",
            // Three days down: the latest runs, the two before are missed.
            "0 2 * * *,   PT1H,       2026-05-02T03:00:00Z,   2026-05-05T02:30:00Z,   2026-05-05T02:00:00Z,  2",
            "0 2 * * *,   PT1H,       2026-05-02T03:00:00Z,   2026-05-05T04:30:00Z,   ,                      3",
            // Nothing due: nothing to do. A fire exactly at now is due.
            "0 2 * * *,   PT1H,       2026-05-05T02:00:00Z,   2026-05-05T02:30:00Z,   ,                      0",
            "0 2 * * *,   PT1H,       2026-05-05T01:00:00Z,   2026-05-05T02:00:00Z,   2026-05-05T02:00:00Z,  0",
            // Hourly, five months down: the window search finds the latest without walking it all.
            "0 * * * *,   PT30M,      2026-01-01T00:00:00Z,   2026-06-01T00:20:00Z,   2026-06-01T00:00:00Z,  3623",
            // Minutely for a year: counting stops at 10,000.
            "* * * * *,   PT5M,       2025-05-05T00:00:00Z,   2026-05-05T00:00:30Z,   2026-05-05T00:00:00Z,  10000",
    })
    void shouldCatchUpOnlyTheLatestMissedFireWithinTheWindow(String cron, Duration catchUp, Instant handled,
                                                             Instant now, Instant run, long missed) {
        ScheduleSpec s = Schedules.cron(cron.trim(), "UTC", Overlap.SKIP, catchUp);
        assertEquals(new Firing.CatchUp(run, missed), Firing.atStart(s, handled, now));
    }

    @ParameterizedTest(name = "every {0}, catch-up {1}: handled {2}, now {3} -> run {4}, missed {5}")
    @CsvSource({
            "PT1S, PT5S,  2026-05-05T00:00:00Z, 2026-05-05T00:00:00.500Z, ,                          0",
            "PT1S, PT5S,  2026-05-05T00:00:00Z, 2026-05-05T00:00:03.500Z, 2026-05-05T00:00:03Z,      2",
            "PT1S, PT0S,  2026-05-05T00:00:00Z, 2026-05-05T00:00:03.500Z, ,                          3",
            "PT1M, PT1H,  2026-05-04T00:00:00Z, 2026-05-05T00:00:00Z,     2026-05-05T00:00:00Z,      1439",
            "PT1S, PT1H,  2025-05-05T00:00:00Z, 2026-05-05T00:00:00Z,     2026-05-05T00:00:00Z,      10000",
    })
    void shouldCatchUpAnIntervalByArithmetic(Duration every, Duration catchUp, Instant handled, Instant now,
                                             Instant run, long missed) {
        ScheduleSpec s = Schedules.every(every, Overlap.SKIP, catchUp);
        assertEquals(new Firing.CatchUp(run, missed), Firing.atStart(s, handled, now));
    }
}
