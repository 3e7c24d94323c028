package dev.andon.config;

import dev.andon.call.BlockingCall;
import dev.andon.call.WorkContext;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.Set;

/**
 * The {@code class} kind, user code on the classpath:
 * <pre>{@code
 * { name = load, kind = class, class = "com.example.LoadInvoices", config { batch = 500 } }
 * }</pre>
 * {@code class} names a public, concrete {@link BlockingCall} with a public no-argument
 * constructor; its optional {@code config} object is what the call sees as
 * {@link WorkContext#config()}.
 *
 * <p>Each attempt gets a new instance, so that no state survives from one attempt or run to the
 * next; a constructor that throws fails that attempt like the call itself would.
 */
public final class ClassKind implements KindParser {
    @Override
    public String kind() {
        return "class";
    }

    @Override
    public Set<String> keys() {
        return Set.of("class", "config");
    }

    @Override
    public BlockingCall<?> parse(ConfigBlock b, CallSettings settings, KindContext ctx) {
        Problems problems = b.problems();
        if (b.has("config")) b.object("config");
        String className = b.require("class") ? b.string("class") : null;
        if (className == null) return null;
        Class<?> type;
        try {
            type = Class.forName(className, false, classLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            b.problem("class", ctx.lessTrusted() ? notRunnable(className) : "class not found on the classpath: " + className);
            return null;
        }
        if (!BlockingCall.class.isAssignableFrom(type)) {
            b.problem("class", ctx.lessTrusted() ? notRunnable(className) : className + " does not implement " + BlockingCall.class.getName());
            return null;
        }
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers()) || !Modifier.isPublic(type.getModifiers())) {
            b.problem("class", ctx.lessTrusted() ? notRunnable(className) : className + " must be a public concrete class");
            return null;
        }
        try {
            @SuppressWarnings("unchecked") // checked above: type is a BlockingCall
            Constructor<? extends BlockingCall<?>> constructor = (Constructor<? extends BlockingCall<?>>) type.getConstructor();
            return new ClassCall(constructor);
        } catch (NoSuchMethodException e) {
            b.problem("class", ctx.lessTrusted() ? notRunnable(className) : className + " has no public no-argument constructor");
            return null;
        }
    }

    /**
     * For a job less trusted than the catalog (posted to the service): one message whatever is
     * wrong, so that the API cannot be used to learn which classes the service has.
     */
    private static String notRunnable(String className) {
        return "not a class this service runs: \"" + className + "\" (a public " + BlockingCall.class.getName()
                + " with a public no-argument constructor, on the service's classpath)";
    }

    private static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : ClassKind.class.getClassLoader();
    }

    /** Instantiates the user's class for each attempt and runs it. */
    private record ClassCall(Constructor<? extends BlockingCall<?>> constructor) implements BlockingCall<Object> {
        @Override
        public Object call(WorkContext ctx) throws Exception {
            BlockingCall<?> instance;
            try {
                instance = constructor.newInstance();
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
            return instance.call(ctx);
        }

        @Override
        public String toString() {
            return "class " + constructor.getDeclaringClass().getName();
        }
    }
}
