package dev.andon.call;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code jdbc} call failed: the database refused its statement, or its connection could not be
 * opened. The message is one line, with the database's own words and its SQLState
 * ({@code SQLState 42601: ERROR: syntax error at or near "SELEC"; Position: 1}); the driver's
 * exception is the cause, and this exception has no stack trace of its own (a user's mistake
 * needs none). {@code retry.on} can name it by its SQLState, {@code "sqlstate=40001"}, or by
 * its class, {@code "sqlstate=40xxx"}.
 */
public final class JdbcFailedException extends SQLException implements RetryKeyed {
    private static final int MESSAGE_MAX = 500;

    private JdbcFailedException(String message, String sqlState, int vendorCode, Throwable cause) {
        super(message, sqlState, vendorCode, cause);
    }

    /** The statement failed with {@code e}. */
    public static JdbcFailedException statement(SQLException e) {
        return new JdbcFailedException(withState(e.getSQLState(), words(e)), e.getSQLState(), e.getErrorCode(), e);
    }

    /**
     * The connection could not be opened: {@code where} says what was tried (the URL, the user or
     * the pool), {@code e} why.
     */
    public static JdbcFailedException connect(String where, SQLException e) {
        return new JdbcFailedException(withState(e.getSQLState(), "cannot connect to " + where + ": " + words(e)),
                e.getSQLState(), e.getErrorCode(), e);
    }

    /** The connection could not be opened for a reason of Andon's own (a password variable that is not set). */
    public static JdbcFailedException connect(String where, String reason) {
        return new JdbcFailedException("cannot connect to " + where + ": " + reason, "08001", 0, null);
    }

    // A user's mistake: its stack trace would only be noise in the report and the log.
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    @Override
    public List<String> retryKeys() {
        String state = getSQLState();
        if (state == null || state.length() < 2) return List.of();
        String upper = state.toUpperCase(Locale.ROOT);
        return List.of("sqlstate=" + upper, "sqlstate=" + upper.substring(0, 2) + "xxx");
    }

    private static String withState(String state, String message) {
        return state == null || state.isEmpty() ? message : "SQLState " + state + ": " + message;
    }

    /**
     * The driver's message on one line; where it only says that something failed ("The connection
     * attempt failed."), what its causes say too (an {@code UnknownHostException}'s host name).
     */
    static String words(Throwable e) {
        List<String> parts = new ArrayList<>();
        String all = "";
        List<Throwable> seen = new ArrayList<>();
        for (Throwable t = e; t != null && !seen.contains(t) && parts.size() < 3; t = t.getCause()) {
            seen.add(t);
            String m = oneLine(t.getMessage());
            if (!m.isEmpty() && all.contains(m)) continue; // a cause that only repeats what was said
            if (m.isEmpty()) m = t.getClass().getSimpleName();
            else if (t != e && !(t instanceof SQLException)) m = t.getClass().getSimpleName() + ": " + m;
            parts.add(m);
            all = String.join(" ", parts);
        }
        String joined = String.join(" (", parts) + ")".repeat(Math.max(0, parts.size() - 1));
        return joined.length() <= MESSAGE_MAX ? joined : joined.substring(0, MESSAGE_MAX) + "…";
    }

    /** Lines joined with "; ", blanks squeezed: PostgreSQL's "ERROR: ...\n  Position: 8". */
    static String oneLine(String message) {
        if (message == null) return "";
        return message.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ").replaceAll("[\\t ]+", " ");
    }
}
