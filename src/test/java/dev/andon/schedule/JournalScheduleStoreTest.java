package dev.andon.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalScheduleStoreTest {
    private static final Instant T = Instant.parse("2026-05-05T10:00:00Z");

    @Test
    void shouldKeepClaimsPausesAndCountsAcrossReopeningAndRefuseAClaimTwice(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("data/schedules.journal");
        try (JournalScheduleStore store = JournalScheduleStore.open(file)) {
            store.begin("j", T.minusSeconds(60)).toCompletableFuture().join();
            Fire fire = new Fire("j", T, false, false);
            store.claim(fire).toCompletableFuture().join();
            store.launched(fire, "r-1", null).toCompletableFuture().join();
            store.skipped(new Fire("j", T.plusSeconds(60), false, false), "live").toCompletableFuture().join();
            store.missed("j", T.plusSeconds(180), 2).toCompletableFuture().join();
            store.paused("k", true, T).toCompletableFuture().join();
        }
        // The file holds what was committed; reopening replays it (and compacts it).
        for (int i = 0; i < 2; i++) {
            try (JournalScheduleStore store = JournalScheduleStore.open(file)) {
                ScheduleStore.State j = store.states().get("j");
                assertEquals(new ScheduleStore.State(T.plusSeconds(180), false, T, "r-1", 1, 1, 2), j);
                assertTrue(store.states().get("k").paused());
                CompletionException twice = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
                        () -> store.claim(new Fire("j", T, false, true)).toCompletableFuture().join());
                assertInstanceOf(ScheduleStore.AlreadyFired.class, twice.getCause());
            }
        }
        assertEquals(2, Files.readAllLines(file).size()); // one line per schedule after compaction
    }

    @Test
    void shouldLeaveOutALastLineCutShortByACrash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("schedules.journal");
        try (JournalScheduleStore store = JournalScheduleStore.open(file)) {
            store.claim(new Fire("j", T, false, false)).toCompletableFuture().join();
        }
        Files.writeString(file, "{\"op\":\"claim\",\"job\":\"j\",\"at\":\"2026-05-05T1", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        try (JournalScheduleStore store = JournalScheduleStore.open(file)) {
            assertEquals(T, store.states().get("j").handledThrough());
            store.claim(new Fire("j", T.plusSeconds(60), false, false)).toCompletableFuture().join();
        }
    }

    @Test
    void shouldRefuseAJournalThatAnotherStoreHasOpen(@TempDir Path dir) {
        Path file = dir.resolve("schedules.journal");
        try (JournalScheduleStore first = JournalScheduleStore.open(file)) {
            java.io.UncheckedIOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class,
                    () -> JournalScheduleStore.open(file));
            assertTrue(e.getMessage().startsWith("schedule store " + file + ": in use"), e.getMessage());
        }
        JournalScheduleStore.open(file).close(); // released with the first
    }
}
