package dev.andon.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AsyncAppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The log's lines on stderr, while {@code andon run} shows its run there, printed by the run's
 * {@link RunDisplay} among its event lines, in the order of their times.
 *
 * <p>Two writers to one terminal do not keep each other's order: logback's async appender prints
 * a warning when its own thread gets to it, and a call's {@code ABANDONED} warning, logged before
 * the call's end was even reported, came out after the run's last line. So, for as long as a
 * display is {@linkplain #to routed to}, this appender stands in on the root logger for the
 * console appenders that write to {@code System.err} (directly, or behind an async appender, as
 * {@code conf/logback.xml} has it): an event that their filters let through is formatted with
 * their encoder and handed to the display, which prints it in its turn. Any other time (no
 * display, or one that has shown its run's end) an event goes to the appender it stood in for,
 * as before. Other appenders are left as they are.
 *
 * <h2>Threading</h2>
 * {@link #append} runs on the logging thread and only hands the event on (formatting waits for the
 * display's thread, after {@link ILoggingEvent#prepareForDeferredProcessing()} has taken what
 * belongs to the logging thread). {@link #to} may be called from any thread.
 */
final class DisplayedLog extends UnsynchronizedAppenderBase<ILoggingEvent> {
    private static final String NAME = "andon-run-display";

    /** A console appender on stderr, and the appender the root logger had for it (itself, or an async one around it). */
    private record Console(Appender<ILoggingEvent> attached, ConsoleAppender<ILoggingEvent> console) {
        boolean lets(ILoggingEvent event) {
            return attached.getFilterChainDecision(event) != FilterReply.DENY
                    && (attached == console || console.getFilterChainDecision(event) != FilterReply.DENY);
        }

        String format(ILoggingEvent event) {
            Encoder<ILoggingEvent> encoder = console.getEncoder();
            if (encoder instanceof LayoutWrappingEncoder<ILoggingEvent> e && e.getLayout() != null)
                return e.getLayout().doLayout(event);
            Charset charset = encoder instanceof LayoutWrappingEncoder<ILoggingEvent> e && e.getCharset() != null
                    ? e.getCharset() : Charset.defaultCharset();
            return new String(encoder.encode(event), charset);
        }
    }

    private final List<Console> consoles;
    private volatile RunDisplay display;

    private DisplayedLog(List<Console> consoles) {
        this.consoles = List.copyOf(consoles);
    }

    /**
     * Prints the log's stderr lines through {@code display} from now on, until the returned
     * handle is closed or the display has shown its run's end. Does nothing when logback is not
     * the logging backend, or its root logger has no console appender on stderr.
     */
    static AutoCloseable to(RunDisplay display) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) return () -> { };
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        DisplayedLog routing;
        synchronized (DisplayedLog.class) {
            routing = root.getAppender(NAME) instanceof DisplayedLog d ? d : standIn(context, root, display);
            if (routing == null) return () -> { };
            routing.display = display;
        }
        DisplayedLog routed = routing;
        return () -> {
            synchronized (DisplayedLog.class) {
                if (routed.display == display) routed.display = null;
            }
        };
    }

    /** Puts a new one on {@code root} in place of its stderr consoles; null if it has none. */
    private static DisplayedLog standIn(LoggerContext context, Logger root, RunDisplay display) {
        List<Console> consoles = new ArrayList<>();
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            Appender<ILoggingEvent> attached = it.next();
            ConsoleAppender<ILoggingEvent> console = stderrConsole(attached);
            if (console != null) consoles.add(new Console(attached, console));
        }
        if (consoles.isEmpty()) return null;
        DisplayedLog routing = new DisplayedLog(consoles);
        routing.setContext(context);
        routing.setName(NAME);
        routing.display = display;
        routing.start();
        // Added first: an event logged meanwhile may go out twice, never not at all.
        root.addAppender(routing);
        for (Console c : consoles) root.detachAppender(c.attached());
        return routing;
    }

    /** The console appender on stderr that {@code a} is or (an async appender around it alone) wraps, or null. */
    private static ConsoleAppender<ILoggingEvent> stderrConsole(Appender<ILoggingEvent> a) {
        if (a instanceof ConsoleAppender<ILoggingEvent> c) return "System.err".equals(c.getTarget()) ? c : null;
        if (!(a instanceof AsyncAppenderBase<ILoggingEvent> async)) return null;
        Iterator<Appender<ILoggingEvent>> inner = async.iteratorForAppenders();
        Appender<ILoggingEvent> only = inner.hasNext() ? inner.next() : null;
        return only instanceof ConsoleAppender<ILoggingEvent> c && !inner.hasNext() && "System.err".equals(c.getTarget())
                ? c : null;
    }

    @Override
    protected void append(ILoggingEvent event) {
        RunDisplay d = display;
        for (Console c : consoles) {
            if (d != null && c.lets(event)) {
                event.prepareForDeferredProcessing();
                if (d.note(event.getInstant(), () -> c.format(event))) continue;
            }
            c.attached().doAppend(event);
        }
    }

    // Stopped with the logging context (at the JVM's exit): so are the appenders it stands in for,
    // which flushes an async one.
    @Override
    public void stop() {
        super.stop();
        for (Console c : consoles) c.attached().stop();
    }
}
