package dev.andon.store;

/** The contract on the memory store. */
class MemoryRunStoreTest extends RunStoreContract {
    @Override
    RunStore open() {
        return new MemoryRunStore();
    }
}
