package dev.andon.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A test against one kind of store: a fresh one for each test, closed after it. */
abstract class StoreTest {
    RunStore store;

    abstract RunStore open();

    @BeforeEach
    void openStore() {
        store = open();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }
}
