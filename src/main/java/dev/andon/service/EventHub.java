package dev.andon.service;

import akka.NotUsed;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.http.javadsl.model.sse.ServerSentEvent;
import akka.stream.BoundedSourceQueue;
import akka.stream.javadsl.Source;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.andon.run.ReportJson;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The service-wide event stream of {@code GET /events}: every {@link ServiceEvent} published here
 * goes to each client listening, numbered from 1 ({@code id:}). The newest {@code sse-buffer}
 * events are kept, so that a client that reconnects with {@code Last-Event-ID} gets what it
 * missed (older ones are gone; it should reload what it shows). A client that falls
 * {@code sse-buffer} events behind is disconnected, as with the per-run streams.
 *
 * <h2>Protocol</h2>
 * {@link Publish} from the run registry (and the scheduler); {@link Subscribe} answers a source
 * of the events after {@code after}, then the live ones, until the client goes or the service stops.
 */
final class EventHub extends AbstractBehavior<EventHub.Command> {

    interface Command {
    }

    record Publish(ServiceEvent event) implements Command {
    }

    record Subscribe(long after, ActorRef<Source<ServerSentEvent, NotUsed>> replyTo) implements Command {
    }

    /** The service is stopping: every stream ends (after what it has been sent). */
    enum Close implements Command { INSTANCE }

    /** A client's response has started streaming: its queue gets the events after {@code after}, then the live ones. */
    private record Attached(long after, BoundedSourceQueue<ServerSentEvent> queue) implements Command {
    }

    private record Unsubscribed(BoundedSourceQueue<ServerSentEvent> queue) implements Command {
    }

    /** The JSON of an event: its fields and its type. */
    record Json(String type, @JsonUnwrapped ServiceEvent event) {
    }

    private record Numbered(long seq, ServerSentEvent frame) {
    }

    private final int buffer;
    private final ArrayDeque<Numbered> recent = new ArrayDeque<>();
    private final List<BoundedSourceQueue<ServerSentEvent>> clients = new ArrayList<>();
    private long seq;
    private boolean closed;

    static Behavior<Command> create(ServiceSettings settings) {
        return Behaviors.setup(ctx -> new EventHub(ctx, settings.sseBuffer()));
    }

    private EventHub(ActorContext<Command> context, int buffer) {
        super(context);
        this.buffer = buffer;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Publish.class, this::onPublish)
                .onMessage(Subscribe.class, this::onSubscribe)
                .onMessage(Attached.class, this::onAttached)
                .onMessageEquals(Close.INSTANCE, this::onClose)
                .onMessage(Unsubscribed.class, m -> {
                    clients.remove(m.queue());
                    return this;
                })
                .build();
    }

    private Behavior<Command> onPublish(Publish m) {
        ServiceEvent e = m.event();
        ServerSentEvent frame = ServerSentEvent.create(ReportJson.toJson(new Json(e.type(), e)), Optional.of(e.type()),
                Optional.of(Long.toString(++seq)), OptionalInt.empty());
        recent.addLast(new Numbered(seq, frame));
        if (recent.size() > buffer) recent.removeFirst();
        clients.removeIf(q -> !SseQueue.offer(q, frame));
        return this;
    }

    private Behavior<Command> onClose() {
        clients.forEach(SseQueue::complete);
        clients.clear();
        closed = true;
        return this;
    }

    private Behavior<Command> onSubscribe(Subscribe m) {
        // Room for the replay, the client's buffer, and what may come before its response streams.
        ActorRef<Command> self = getContext().getSelf();
        m.replyTo().tell(SseQueue.of(recent.size() + 2 * buffer, q -> self.tell(new Attached(m.after(), q)),
                q -> self.tell(new Unsubscribed(q))));
        return this;
    }

    private Behavior<Command> onAttached(Attached m) {
        for (Numbered n : recent) if (n.seq() > m.after() && !SseQueue.offer(m.queue(), n.frame())) return this;
        if (closed) SseQueue.complete(m.queue());
        else clients.add(m.queue());
        return this;
    }
}
