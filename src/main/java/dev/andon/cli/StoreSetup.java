package dev.andon.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import dev.andon.call.ProcessTable;
import dev.andon.store.Recovery;
import dev.andon.store.RunStore;
import dev.andon.store.RunStores;
import dev.andon.store.StoreException;
import dev.andon.store.StoreSettings;
import java.io.PrintStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opening the run store for a command, and recovering what a dead Andon left in it. */
final class StoreSetup {
    private static final Logger log = LoggerFactory.getLogger(StoreSetup.class);

    private StoreSetup() {
    }

    /**
     * Opens the store of {@code config}'s {@code andon.store}.
     *
     * @return the store, or {@code null} after one line on {@code err} saying why it cannot be opened
     */
    static RunStore open(Config config, PrintStream err) {
        try {
            return RunStores.open(StoreSettings.from(config));
        } catch (StoreException | ConfigException | IllegalArgumentException e) {
            log.debug("store did not open", e);
            err.println("andon: " + e.getMessage());
            return null;
        }
    }

    /**
     * Marks the runs of dead Andons {@code INTERRUPTED} and stops what they left running (one log
     * line each).
     */
    static Recovery.Result recover(RunStore store, Config config) {
        ProcessTable table = ProcessTable.host();
        return new Recovery(store, table, RunStore.Owner.self(table),
                config.getDuration("andon.job-defaults.kill-grace"), System::currentTimeMillis).run();
    }
}
