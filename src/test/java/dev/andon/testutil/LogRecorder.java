package dev.andon.testutil;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * Records every log event at INFO or above from every logger, so that a test can assert what was
 * (and what was not) logged: no dead letters, nothing at WARN or ERROR beyond what it expects.
 * Attach in {@code @BeforeEach} and detach when done; or, for a whole test class, register
 * {@link #forTestClass()} as a static {@code @RegisterExtension}: attached before the class's
 * {@code @BeforeAll} methods, cleared before each test, detached after its {@code @AfterAll}
 * methods (so what an actor system's shutdown there logs is recorded too).
 */
public final class LogRecorder extends AppenderBase<ILoggingEvent>
        implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
    private Level savedLevel;

    public static LogRecorder attach() {
        LogRecorder r = new LogRecorder();
        r.attachToRoot();
        return r;
    }

    /** A recorder for a whole test class, as a static {@code @RegisterExtension} field. */
    public static LogRecorder forTestClass() {
        return new LogRecorder();
    }

    private void attachToRoot() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        setContext(root.getLoggerContext());
        setName("log-recorder");
        start();
        savedLevel = root.getLevel();
        if (root.getLevel().toInt() > Level.INFO.toInt()) root.setLevel(Level.INFO);
        root.addAppender(this);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        attachToRoot();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        clear();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        detach();
    }

    public void detach() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(this);
        root.setLevel(savedLevel);
        stop();
    }

    @Override
    protected void append(ILoggingEvent e) {
        if (e.getLevel().isGreaterOrEqual(Level.INFO)) events.add(e);
    }

    public void clear() {
        events.clear();
    }

    /** Events at WARN or above, as "LEVEL logger: message" lines. */
    public List<String> warningsAndErrors() {
        return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).map(LogRecorder::line)
                .collect(Collectors.toList());
    }

    /** Lines about dead letters (Akka logs them at INFO). */
    public List<String> deadLetters() {
        return events.stream().map(LogRecorder::line)
                .filter(l -> l.contains("dead letter") || l.contains("was not delivered"))
                .collect(Collectors.toList());
    }

    /** Every recorded line containing {@code text}. */
    public List<String> containing(String text) {
        return events.stream().map(LogRecorder::line).filter(l -> l.contains(text)).collect(Collectors.toList());
    }

    private static String line(ILoggingEvent e) {
        String t = e.getThrowableProxy() == null ? "" : " [" + e.getThrowableProxy().getClassName() + ": "
                + e.getThrowableProxy().getMessage() + "]";
        return e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage() + t;
    }
}
