package dev.andon.run;

import akka.dispatch.DispatcherPrerequisites;
import akka.dispatch.ExecutorServiceConfigurator;
import akka.dispatch.ExecutorServiceFactory;
import com.typesafe.config.Config;
import java.util.concurrent.ThreadFactory;

/**
 * The executor behind {@code andon.virtual-dispatcher} ({@code executor = "dev.andon.run.VirtualExecutorConfigurator"}):
 * every task on a new <em>virtual thread</em> (Java 21+), named {@code thread-name-prefix}-N.
 * There is no pool, so nothing bounds how many calls run at once but the job's
 * {@code max-parallelism}.
 *
 * <p>Virtual threads run on the JDK's own carrier threads (a fork-join pool of about one thread
 * per core), never on the threads of Akka's dispatchers: a call that pins its carrier takes a
 * carrier from other virtual threads, never a thread from Andon's actors. Virtual threads are
 * always daemons, so an {@code ABANDONED} call never keeps the JVM alive.
 *
 * <p>Keys read from the dispatcher's section: {@code thread-name-prefix}. Before Java 21 the
 * configurator cannot be made; Andon says so before a job that names it can run (see
 * {@link VirtualThreads#problem}).
 */
public final class VirtualExecutorConfigurator extends ExecutorServiceConfigurator {
    // One factory per dispatcher: Akka may shut an idle executor down and create it anew, and
    // thread names stay unique across those generations.
    private final ThreadFactory factory;

    public VirtualExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
        this.factory = VirtualThreads.factory(config.getString("thread-name-prefix"));
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory ignored) {
        return () -> VirtualThreads.threadPerTask(factory);
    }
}
