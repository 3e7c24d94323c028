package dev.andon.store;

/**
 * The store cannot be used: it cannot be opened, its schema cannot be migrated, or a read failed.
 * Its message is one line a user can act on ("store data/andon.db: ..."); the cause, if any, is
 * for the log at DEBUG.
 */
public final class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
