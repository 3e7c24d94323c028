package dev.andon.store;

/** The schedules' records in the memory store: another store on the same data is the same instance. */
class MemoryScheduleFiresTest extends ScheduleFiresContract {
    @Override
    RunStore open() {
        return new MemoryRunStore();
    }

    @Override
    RunStore openAnother() {
        return store;
    }
}
