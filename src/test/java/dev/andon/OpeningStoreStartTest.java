package dev.andon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.run.JobSpec;
import dev.andon.store.RunStore;
import dev.andon.store.RunStores;
import dev.andon.store.StoreSettings;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link Andon#start(Config, String, java.util.function.Function, java.util.function.Supplier)}:
 * the actor system starts before the store is asked for (andon serve opens its store meanwhile),
 * and a store that fails leaves nothing of the Andon behind.
 */
class OpeningStoreStartTest {
    private static final Config CONFIG = ConfigFactory.load();

    private static List<String> threadsOf(String system) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(system + "-")).toList();
    }

    @Test
    void shouldStartTheActorSystemBeforeAskingForTheStoreAndRecordInTheStoreItGot() throws Exception {
        RunStore memory = RunStores.open(StoreSettings.from(CONFIG).withKind(StoreSettings.Kind.MEMORY));
        AtomicReference<List<String>> whileOpening = new AtomicReference<>();
        try (Andon andon = Andon.start(CONFIG, "opening-store-ok", System::getenv, () -> {
            whileOpening.set(threadsOf("opening-store-ok"));
            return memory;
        })) {
            assertTrue(!whileOpening.get().isEmpty(), "the system's threads ran while the store was asked for");
            assertSame(memory, andon.store());
            String id = andon.submit(JobSpec.builder("j").call("a", ctx -> 1).build()).report().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS).id();
            andon.store().flush().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertEquals("SUCCEEDED", memory.run(id).orElseThrow().report().status().name());
        }
    }

    @Test
    void shouldTerminateTheActorSystemBeforeTheStoresFailureGoesOn() throws Exception {
        IllegalStateException down = new IllegalStateException("the store is down");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> Andon.start(CONFIG, "opening-store-down", System::getenv, () -> {
                    throw down;
                }));
        assertSame(down, thrown);
        // Terminated when the exception arrives; its pools' threads end within their shutdown timeout.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!threadsOf("opening-store-down").isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(List.of(), threadsOf("opening-store-down"));
        // and the name is free again: nothing of it is left
        try (Andon again = Andon.start(CONFIG, "opening-store-down")) {
            assertEquals("SUCCEEDED", again.submit(JobSpec.builder("j").call("a", ctx -> 1).build()).report()
                    .toCompletableFuture().get(30, TimeUnit.SECONDS).status().name());
        }
    }
}
