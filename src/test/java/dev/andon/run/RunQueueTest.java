package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A run's queue: each call claimed once, in order, and none after it is closed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RunQueueTest {

    @Test
    void shouldHandOutEveryIndexOnceInOrderThenNothing() {
        RunQueue q = new RunQueue(3);
        assertEquals(List.of(0, 1, 2, -1, -1), List.of(q.claim(), q.claim(), q.claim(), q.claim(), q.claim()));
        assertEquals(3, q.close());
    }

    @Test
    void shouldSayWhichCallsNeverStartWhenClosed() {
        RunQueue q = new RunQueue(5);
        q.claim();
        q.claim();
        assertEquals(2, q.close());
        assertEquals(-1, q.claim());
        assertEquals(5, q.close(), "closed already: nothing of it is unclaimed");
        assertEquals(0, new RunQueue(0).close());
    }

    @Test
    void shouldNeverHandOutAnIndexTwiceNorOneAtOrPastTheCloseUnderContention() throws Exception {
        for (int round = 0; round < 50; round++) {
            int size = 10_000;
            RunQueue q = new RunQueue(size);
            ConcurrentLinkedQueue<Integer> claimed = new ConcurrentLinkedQueue<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread th = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int i; (i = q.claim()) >= 0; ) claimed.add(i);
                });
                th.start();
                threads.add(th);
            }
            go.countDown();
            while (claimed.size() < round * 150) Thread.onSpinWait();
            int firstUnclaimed = q.close();
            for (Thread th : threads) th.join();
            List<Integer> sorted = claimed.stream().sorted().toList();
            assertEquals(IntStream.range(0, firstUnclaimed).boxed().toList(), sorted, "round " + round);
        }
    }
}
