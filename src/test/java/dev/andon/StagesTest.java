package dev.andon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.javadsl.Behaviors;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Stages#answered}: what is chained to an ask's answer runs on the thread that answered it
 * (the actor's dispatcher, or the caller's when already answered), never on a thread the JDK's
 * default async executor starts for the task, as on a 2-core machine it does for Akka's own stage.
 */
class StagesTest {
    private static final ActorTestKit kit = ActorTestKit.create();

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    record Ping(ActorRef<String> replyTo) {
    }

    private static Behavior<Ping> echo() {
        return Behaviors.receiveMessage(p -> {
            p.replyTo().tell("pong");
            return Behaviors.same();
        });
    }

    @Test
    void shouldRunWhatIsChainedOnTheAnsweringThreadNotOnANewOne() throws Exception {
        ActorRef<Ping> actor = kit.spawn(echo());
        Set<String> threads = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            CompletableFuture<String> ran = Stages.answered(AskPattern.<Ping, String>ask(actor, Ping::new,
                            Duration.ofSeconds(10), kit.scheduler()))
                    .thenApply(answer -> answer + " on " + Thread.currentThread().getName())
                    .toCompletableFuture();
            String result = ran.get(10, TimeUnit.SECONDS);
            assertEquals("pong", result.substring(0, 4));
            threads.add(result.substring("pong on ".length()));
        }
        for (String t : threads) {
            // The JDK's ThreadPerTaskExecutor names its threads Thread-N; the common pool ForkJoinPool.commonPool-worker-N.
            assertFalse(t.startsWith("Thread-") || t.startsWith("ForkJoinPool.commonPool"), "ran on " + t + " of " + threads);
        }
    }
}
