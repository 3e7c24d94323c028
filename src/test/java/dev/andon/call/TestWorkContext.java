package dev.andon.call;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A {@link WorkContext} for testing calls without the engine, behaving as the engine does on
 * abort: sets the signal; then, without hooks, interrupts the call's thread at once (when
 * {@code interruptOnAbort}); with hooks, runs them once each, one after another, on another
 * thread, and only then interrupts. A hook that throws does not stop the others. The call runs
 * on a thread of its own via {@link #start}.
 */
final class TestWorkContext implements WorkContext, AutoCloseable {
    private final String name;
    private final boolean interruptOnAbort;
    private final List<Runnable> hooks = new CopyOnWriteArrayList<>();
    private final Map<String, Object> details = new ConcurrentHashMap<>();
    private final List<String> progress = new CopyOnWriteArrayList<>();
    private final List<Thread> outputThreads = new CopyOnWriteArrayList<>(); // who told each output line
    private final ExecutorService hookRunner = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-abort-hook");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService callRunner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "test-blocking");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean aborted;
    private volatile String reason;
    private volatile Thread callThread;

    TestWorkContext(String name, boolean interruptOnAbort) {
        this.name = name;
        this.interruptOnAbort = interruptOnAbort;
    }

    TestWorkContext(String name) {
        this(name, true);
    }

    /** Runs {@code call} on the context's own blocking thread. */
    <T> Future<T> start(BlockingCall<T> call) {
        return callRunner.submit(() -> {
            callThread = Thread.currentThread();
            try {
                return call.call(this);
            } finally {
                callThread = null;
                Thread.interrupted();
            }
        });
    }

    /** Aborts as the engine does: signal, then the hooks in turn on another thread, then interrupt. */
    void requestAbort(String why) {
        List<Runnable> taken;
        synchronized (this) {
            if (aborted) return;
            reason = why;
            aborted = true;
            taken = List.copyOf(hooks);
        }
        if (taken.isEmpty()) {
            if (interruptOnAbort) interruptOnly();
            return;
        }
        hookRunner.execute(() -> {
            for (Runnable hook : taken) runHook(hook);
            if (interruptOnAbort) interruptOnly();
        });
    }

    private static void runHook(Runnable hook) {
        try {
            hook.run();
        } catch (RuntimeException e) {
            // as the engine does: logged there, and the abort carries on
        }
    }

    /** Interrupts the call's thread without an abort request. */
    void interruptOnly() {
        Thread t = callThread;
        if (t != null) t.interrupt();
    }

    Map<String, Object> details() {
        return details;
    }

    /** The thread that told each line of output, in order. */
    List<Thread> outputThreads() {
        return outputThreads;
    }

    @Override
    public void output(String stream, String line) {
        outputThreads.add(Thread.currentThread());
    }

    List<String> progressMessages() {
        return progress;
    }

    @Override
    public boolean abortRequested() {
        return aborted;
    }

    @Override
    public void checkpoint() {
        if (aborted) throw new AbortedException(reason);
    }

    @Override
    public void onAbort(Runnable hook) {
        synchronized (this) {
            if (!aborted) {
                hooks.add(hook);
                return;
            }
        }
        hookRunner.execute(() -> runHook(hook));
    }

    @Override
    public boolean interruptedOnAbort() {
        return interruptOnAbort;
    }

    @Override
    public void progress(String message) {
        progress.add(message);
    }

    @Override
    public void detail(String key, Object value) {
        details.put(key, value);
    }

    @Override
    public String callName() {
        return name;
    }

    @Override
    public int attempt() {
        return 1;
    }

    @Override
    public Config config() {
        return ConfigFactory.empty();
    }

    @Override
    public void close() {
        hookRunner.shutdownNow();
        callRunner.shutdownNow();
    }
}
