package dev.andon.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.stream.BoundedSourceQueue;
import akka.stream.javadsl.Sink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A client's queue whose client has hung up: its owner (the run registry, the event hub) hears of
 * it only after the stream has ended the queue, and may end it meanwhile itself (its run finished,
 * the service stops). Akka's {@link BoundedSourceQueue#complete()} and {@code fail} throw then;
 * thrown in the owner, an actor, that stopped it and every client of every run with it (seen in a
 * clean-clone CI run: "The queue has already been completed", RunEventResumeTest's clients waiting
 * for events that never came).
 */
class SseQueueTest {
    private static final ActorTestKit KIT = ActorTestKit.create("sse-queue-test");

    @AfterAll
    static void stop() {
        KIT.shutdownTestKit();
    }

    @Test
    void shouldEndAQueueWhoseClientHasAlreadyGoneWithoutThrowing() throws Exception {
        for (int round = 0; round < 20; round++) {
            CompletableFuture<BoundedSourceQueue<ServerSentEvent>> attached = new CompletableFuture<>();
            CompletableFuture<BoundedSourceQueue<ServerSentEvent>> detached = new CompletableFuture<>();
            // The client hangs up at once: its stream cancels the queue.
            SseQueue.of(8, attached::complete, detached::complete).runWith(Sink.cancelled(), KIT.system());
            BoundedSourceQueue<ServerSentEvent> queue = detached.get(10, TimeUnit.SECONDS);
            assertTrue(attached.isDone());
            // The stream's end may reach the owner just before it reaches the queue (or after):
            // wait until the queue itself has ended.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (queue.offer(ServerSentEvent.create("probe")) == akka.stream.QueueOfferResult.enqueued()) {
                assertTrue(System.nanoTime() < until, "the queue did not end after its client left");
                Thread.sleep(1);
            }
            // What Akka does with such a queue, and what the owner must therefore not call bare.
            assertThrows(IllegalStateException.class, queue::complete);
            assertThrows(IllegalStateException.class, () -> queue.fail(new RuntimeException("x")));
            SseQueue.complete(queue);
            SseQueue.fail(queue, new IllegalStateException("events client too slow"));
            assertFalse(SseQueue.offer(queue, ServerSentEvent.create("late")), "a gone client is not listening");
        }
    }

    @Test
    void shouldEndALiveQueueOnceOnly() throws Exception {
        CompletableFuture<BoundedSourceQueue<ServerSentEvent>> attached = new CompletableFuture<>();
        CompletableFuture<BoundedSourceQueue<ServerSentEvent>> detached = new CompletableFuture<>();
        var events = SseQueue.of(8, attached::complete, detached::complete).runWith(Sink.seq(), KIT.system());
        BoundedSourceQueue<ServerSentEvent> queue = attached.get(10, TimeUnit.SECONDS);
        assertTrue(SseQueue.offer(queue, ServerSentEvent.create("one")));
        SseQueue.complete(queue);
        SseQueue.complete(queue); // the owner ends it twice (the run finished as the service stops): no harm
        assertTrue(events.toCompletableFuture().get(10, TimeUnit.SECONDS).size() == 1);
        detached.get(10, TimeUnit.SECONDS);
    }
}
