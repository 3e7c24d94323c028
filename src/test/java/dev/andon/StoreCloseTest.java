package dev.andon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.andon.store.MemoryRunStore;
import dev.andon.store.RunStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link Andon#whenClosed()}: after the actor system, the store. A process that exits on
 * {@code whenTerminated} alone races the store's close (sqlite's last checkpoint, a write to disk),
 * and its exit waits for that write after it has said it stopped.
 */
class StoreCloseTest {
    @Test
    void shouldCompleteWhenClosedOnlyOnceTheStoreHasClosed() throws Exception {
        RunStore memory = new MemoryRunStore();
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean closed = new AtomicBoolean();
        RunStore slowToClose = (RunStore) Proxy.newProxyInstance(RunStore.class.getClassLoader(), new Class<?>[] {RunStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("close") && method.getParameterCount() == 0) {
                        assertTrue(release.await(30, TimeUnit.SECONDS));
                        closed.set(true);
                    }
                    try {
                        return method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Andon andon = Andon.start(ConfigFactory.load(), "store-close-test", slowToClose);
        andon.close(); // shut down, and the system has terminated
        assertTrue(andon.whenTerminated().toCompletableFuture().isDone());
        Thread.sleep(100);
        assertFalse(andon.whenClosed().toCompletableFuture().isDone(), "closed while the store was still closing");
        release.countDown();
        andon.whenClosed().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertTrue(closed.get());
    }

    @Test
    void shouldCompleteWhenClosedWithTheSystemWithoutAStore() throws Exception {
        Andon andon = Andon.start(ConfigFactory.load(), "store-close-none");
        andon.close();
        andon.whenClosed().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
