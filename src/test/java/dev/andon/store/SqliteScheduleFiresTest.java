package dev.andon.store;

import java.nio.file.Path;

/** The schedules' records on SQLite; another store on the same file is a second Andon's. */
class SqliteScheduleFiresTest extends ScheduleFiresContract {
    private final Path dir = StoreFixtures.tempDir();

    @Override
    RunStore open() {
        return RunStores.open(StoreFixtures.sqlite(dir));
    }

    @Override
    RunStore openAnother() {
        return open();
    }
}
