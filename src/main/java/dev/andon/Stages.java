package dev.andon;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * For Andon's own use: an answer of Akka's {@code AskPattern.ask} whose continuations run where
 * the answer arrives.
 *
 * <p>The stage Akka's Java ask returns (Scala's {@code FutureConverters}) runs even a plain
 * {@code thenApply} on the JDK's default async executor. With fewer than three cores that
 * executor is not the common pool but a <em>new thread for every task</em>: one per HTTP request
 * or per schedule fire on a 2-core machine (JFR showed 6,554 thread starts in 25 s of 200
 * schedules firing each second). The stage given back here is a plain one, completed on the
 * thread that completes Akka's; what is chained to it must be as cheap as building an answer
 * (store work goes to the store's executor, as everywhere).
 */
public final class Stages {
    private Stages() {
    }

    /** {@code ask}, whose continuations run on the thread that answers it rather than on a new one. */
    public static <T> CompletionStage<T> answered(CompletionStage<T> ask) {
        return ask.thenApplyAsync(Function.identity(), Runnable::run);
    }
}
