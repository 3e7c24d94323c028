package dev.andon.store;

/** Opens the store a configuration names. */
public final class RunStores {
    private RunStores() {
    }

    /**
     * Opens the store of {@code settings}: creates (or migrates) its schema, starts its writer.
     *
     * @throws StoreException with one line when it cannot be opened
     */
    public static RunStore open(StoreSettings settings) {
        return settings.kind() == StoreSettings.Kind.MEMORY ? new MemoryRunStore() : JdbcRunStore.open(settings);
    }
}
