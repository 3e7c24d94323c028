package dev.andon.service;

import akka.NotUsed;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.stream.BoundedSourceQueue;
import akka.stream.javadsl.Source;
import java.util.function.Consumer;

/**
 * The source of one Server-Sent Events client: a bounded queue that comes into being only when
 * the client's response starts streaming, and is then handed to its owner to fill.
 *
 * <p>Why not a queue made at once with {@code preMaterialize}: that hands out a fan-out publisher
 * with a subscription timeout, and when its stream ended before the timeout fired (a run aborted
 * within seconds of its clients connecting), the timeout arrived at a stopped actor: one dead
 * letter per client ({@code SubscriptionTimeout} from {@code fanoutPublisherSink}). A queue that
 * exists only while it streams has no such timer.
 */
final class SseQueue {
    private SseQueue() {
    }

    /**
     * A source of at most {@code capacity} queued events. When it is materialized,
     * {@code attached} gets its queue (to offer the events so far and then the live ones); when
     * its stream ends, however it ends, {@code detached} gets the same queue. Both run on the
     * stream's thread: they should only send a message to the queue's owner.
     */
    static Source<ServerSentEvent, NotUsed> of(int capacity, Consumer<BoundedSourceQueue<ServerSentEvent>> attached,
                                               Consumer<BoundedSourceQueue<ServerSentEvent>> detached) {
        return Source.<ServerSentEvent>queue(capacity).watchTermination((queue, done) -> {
            attached.accept(queue);
            done.whenComplete((d, e) -> detached.accept(queue));
            return NotUsed.getInstance();
        });
    }

    /**
     * Offers {@code event} to a client's queue; a client whose queue is full has fallen too far
     * behind and is disconnected.
     *
     * @return whether the client is still listening
     */
    static boolean offer(BoundedSourceQueue<ServerSentEvent> queue, ServerSentEvent event) {
        var result = queue.offer(event);
        if (result == akka.stream.QueueOfferResult.dropped()) {
            fail(queue, new IllegalStateException("events client too slow"));
            return false;
        }
        return result == akka.stream.QueueOfferResult.enqueued();
    }

    /**
     * Ends a client's stream after what was queued, unless it has ended already. Its client may have
     * hung up a moment before (its stream then cancels the queue, and the owner hears of it only
     * afterwards), and {@link BoundedSourceQueue#complete()} of a queue that has ended throws:
     * thrown in its owner, an actor, it would stop it and every client with it.
     */
    static void complete(BoundedSourceQueue<ServerSentEvent> queue) {
        try {
            queue.complete();
        } catch (IllegalStateException alreadyEnded) {
            // the client left first: nothing to end
        }
    }

    /** Fails a client's stream, unless it has ended already (as {@link #complete}). */
    static void fail(BoundedSourceQueue<ServerSentEvent> queue, Throwable cause) {
        try {
            queue.fail(cause);
        } catch (IllegalStateException alreadyEnded) {
            // the client left first: nothing to end
        }
    }
}
