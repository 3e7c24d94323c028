package dev.andon.store;

/** The schedules' records on a real PostgreSQL server; another store on the same database is a second Andon's. */
class PostgresScheduleFiresTest extends ScheduleFiresContract {
    private StoreSettings settings;

    @Override
    RunStore open() {
        settings = StoreFixtures.postgresql();
        return RunStores.open(settings);
    }

    @Override
    RunStore openAnother() {
        return RunStores.open(settings);
    }
}
