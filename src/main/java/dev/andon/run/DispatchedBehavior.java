package dev.andon.run;

import akka.actor.typed.Behavior;
import akka.actor.typed.ExtensibleBehavior;
import akka.actor.typed.Signal;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;

/**
 * An actor that matches its messages by hand in {@link #receive} rather than through
 * {@code AbstractBehavior}'s {@code ReceiveBuilder}, which allocates on every message for every
 * case it tries: measurable for Andon's actors, which see a few messages per call. Signals are
 * left unhandled.
 */
abstract class DispatchedBehavior<T> extends ExtensibleBehavior<T> {
    private final ActorContext<T> context;

    DispatchedBehavior(ActorContext<T> context) {
        this.context = context;
    }

    final ActorContext<T> getContext() {
        return context;
    }

    @Override
    public final Behavior<T> receiveSignal(TypedActorContext<T> ctx, Signal signal) {
        return Behaviors.unhandled();
    }
}
