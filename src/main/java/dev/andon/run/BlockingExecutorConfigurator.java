package dev.andon.run;

import akka.dispatch.DispatcherPrerequisites;
import akka.dispatch.ExecutorServiceConfigurator;
import akka.dispatch.ExecutorServiceFactory;
import com.typesafe.config.Config;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executor behind Andon's blocking dispatchers ({@code executor = "dev.andon.run.BlockingExecutorConfigurator"}):
 * a fixed-size {@link ThreadPoolExecutor} with an unbounded queue whose threads are
 * <em>named</em> ({@code thread-name-prefix}-N) and <em>daemons</em>.
 *
 * <p>Akka's own {@code thread-pool-executor} names threads after the system and dispatcher and
 * makes them daemons only if the whole system is; Andon needs blocking threads that never keep
 * the JVM alive, because an {@code ABANDONED} call may still be running on one when Andon stops.
 *
 * <p>Keys read from the dispatcher's section: {@code pool-size}, {@code thread-name-prefix}.
 */
public final class BlockingExecutorConfigurator extends ExecutorServiceConfigurator {
    private final int poolSize;
    private final String prefix;
    // One counter per dispatcher: Akka may shut an idle pool down and create it anew, and thread
    // names stay unique across those generations.
    private final AtomicInteger threadCount = new AtomicInteger();

    public BlockingExecutorConfigurator(Config config, DispatcherPrerequisites prerequisites) {
        super(config, prerequisites);
        this.poolSize = config.getInt("pool-size");
        if (poolSize < 1) throw new IllegalArgumentException("pool-size must be at least 1: " + poolSize);
        this.prefix = config.getString("thread-name-prefix");
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory ignored) {
        return () -> {
            BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
            ThreadFactory factory = runnable -> {
                Thread t = new PoolThread(runnable, prefix + "-" + threadCount.incrementAndGet(), queue);
                t.setDaemon(true);
                return t;
            };
            ThreadPoolExecutor pool = new ThreadPoolExecutor(poolSize, poolSize, 60, TimeUnit.SECONDS, queue, factory);
            pool.allowCoreThreadTimeOut(true);
            return pool;
        };
    }

    /** A thread of one of these pools; it knows its pool's queue. */
    private static final class PoolThread extends Thread {
        private final BlockingQueue<Runnable> queue;

        PoolThread(Runnable runnable, String name, BlockingQueue<Runnable> queue) {
            super(runnable, name);
            this.queue = queue;
        }
    }

    /**
     * {@code true} unless the calling thread belongs to one of these pools and nothing waits in
     * that pool's queue. A thread that finishes a call may then run its run's next call itself,
     * without passing through the queue, and still no other run waits for a thread because of it:
     * once anything is queued, the next call goes to the back of the queue like everyone else's.
     * On any other executor the answer is always {@code true}.
     */
    static boolean othersMayWait() {
        return !(Thread.currentThread() instanceof PoolThread t) || !t.queue.isEmpty();
    }

    /** The configured pool size of the dispatcher at {@code path} in {@code config}, or -1. */
    public static int poolSize(Config config, String path) {
        String key = path + ".pool-size";
        return config.hasPath(key) ? config.getInt(key) : -1;
    }
}
