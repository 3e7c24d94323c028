package dev.andon.run;

import com.typesafe.config.Config;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads (Java 21+) for an Andon that is compiled for Java 17: {@link Thread#ofVirtual()}
 * and {@code Executors.newThreadPerTaskExecutor} are reached through method handles, looked up once,
 * so the same classes run on 17 (where {@link #available()} is {@code false}) and on 21+.
 *
 * <h2>Threading</h2>
 * Every method is thread-safe and never blocks.
 */
public final class VirtualThreads {
    /** The executor class a dispatcher names to run its calls on virtual threads. */
    public static final String EXECUTOR = VirtualExecutorConfigurator.class.getName();

    // Null on Java 17: Thread.ofVirtual() does not exist there.
    private static final MethodHandle OF_VIRTUAL;       // () -> Thread.Builder.OfVirtual
    private static final MethodHandle NAME;             // (OfVirtual, String, long) -> OfVirtual
    private static final MethodHandle FACTORY;          // (OfVirtual) -> ThreadFactory
    private static final MethodHandle PER_TASK;         // (ThreadFactory) -> ExecutorService
    private static final MethodHandle IS_VIRTUAL;       // (Thread) -> boolean

    static {
        MethodHandle ofVirtual = null, name = null, factory = null, perTask = null, isVirtual = null;
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            Class<?> builder = Class.forName("java.lang.Thread$Builder$OfVirtual");
            ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(builder));
            name = lookup.findVirtual(builder, "name", MethodType.methodType(builder, String.class, long.class));
            factory = lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
            perTask = lookup.findStatic(java.util.concurrent.Executors.class, "newThreadPerTaskExecutor",
                    MethodType.methodType(ExecutorService.class, ThreadFactory.class));
            isVirtual = lookup.findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
        } catch (ReflectiveOperationException absent) {
            ofVirtual = name = factory = perTask = isVirtual = null; // before Java 21
        }
        OF_VIRTUAL = ofVirtual;
        NAME = name;
        FACTORY = factory;
        PER_TASK = perTask;
        IS_VIRTUAL = isVirtual;
    }

    private VirtualThreads() {
    }

    /** Whether this JVM has virtual threads (Java 21+). */
    public static boolean available() {
        return OF_VIRTUAL != null;
    }

    /** The one line a user gets for asking for virtual threads on a JVM without them. */
    public static String unavailableMessage() {
        return "virtual threads need Java 21+ (this is Java " + System.getProperty("java.version") + ")";
    }

    /** Whether {@code thread} is a virtual thread ({@code false} on any JVM without them). */
    public static boolean isVirtual(Thread thread) {
        if (IS_VIRTUAL == null) return false;
        try {
            return (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable t) {
            throw new IllegalStateException("Thread.isVirtual() failed", t);
        }
    }

    /** Whether the dispatcher at {@code path} runs its calls on virtual threads. */
    public static boolean isVirtualDispatcher(Config config, String path) {
        String key = path + ".executor";
        try {
            return config.hasPath(key) && config.getString(key).equals(EXECUTOR);
        } catch (RuntimeException notAString) {
            return false;
        }
    }

    /**
     * What is wrong with running calls on the dispatcher at {@code path} on this JVM, if anything:
     * only that it asks for virtual threads where there are none.
     */
    public static Optional<String> problem(Config config, String path) {
        return isVirtualDispatcher(config, path) && !available() ? Optional.of(unavailableMessage()) : Optional.empty();
    }

    /**
     * A factory of virtual threads named {@code prefix-1}, {@code prefix-2}, ... (one counter per
     * factory, shared by every thread it makes).
     *
     * @throws UnsupportedOperationException before Java 21, with {@link #unavailableMessage()}
     */
    static ThreadFactory factory(String prefix) {
        if (!available()) throw new UnsupportedOperationException(unavailableMessage());
        try {
            Object builder = OF_VIRTUAL.invoke();
            builder = NAME.invoke(builder, prefix + "-", 1L);
            return (ThreadFactory) FACTORY.invoke(builder);
        } catch (Throwable t) {
            throw new IllegalStateException("Thread.ofVirtual() failed", t);
        }
    }

    /** {@code Executors.newThreadPerTaskExecutor(factory)}: each task on a new thread of {@code factory}. */
    static ExecutorService threadPerTask(ThreadFactory factory) {
        if (!available()) throw new UnsupportedOperationException(unavailableMessage());
        try {
            return (ExecutorService) PER_TASK.invoke(factory);
        } catch (Throwable t) {
            throw new IllegalStateException("Executors.newThreadPerTaskExecutor failed", t);
        }
    }
}
