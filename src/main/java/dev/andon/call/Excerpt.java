package dev.andon.call;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Pattern;

/**
 * One line that says what a stretch of output ended with, for an error message and the results
 * table: its last non-blank lines (at most {@link #LINES}), each trimmed, a repeated line once,
 * joined with {@code " | "}, cut at the front to a length. Markup is read as text first, so that
 * an HTML error page gives its words ({@code 404 Not Found | nginx}), not {@code </html>}.
 */
public final class Excerpt {
    /** At most this many lines make an excerpt. */
    public static final int LINES = 3;
    private static final String SEPARATOR = " | ";
    private static final Pattern SCRIPT_OR_STYLE = Pattern.compile("(?is)<(script|style)\\b.*?</\\1\\s*>");
    private static final Pattern COMMENT = Pattern.compile("(?s)<!--.*?-->");
    private static final Pattern TAG = Pattern.compile("</?[a-zA-Z!][^<>]*>");

    private Excerpt() {
    }

    /**
     * The excerpt of {@code text}, at most {@code max} characters ({@code "…"} in front when cut).
     * Empty when the text has no non-blank line.
     */
    public static String of(String text, int max) {
        if (max < 1) throw new IllegalArgumentException("max must be at least 1: " + max);
        if (text == null || text.isBlank()) return "";
        String plain = TAG.matcher(text).find() ? asText(text) : text;
        String[] lines = plain.split("\\R");
        Deque<String> kept = new ArrayDeque<>();
        int length = 0;
        for (int i = lines.length - 1; i >= 0 && kept.size() < LINES; i--) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.equals("…") || line.equals(kept.peekFirst())) continue;
            int added = line.length() + (kept.isEmpty() ? 0 : SEPARATOR.length());
            if (!kept.isEmpty() && length + added > max) break;
            kept.addFirst(line);
            length += added;
        }
        String joined = String.join(SEPARATOR, kept);
        return joined.length() <= max ? joined : "…" + joined.substring(joined.length() - max + 1);
    }

    // Markup to its text: scripts, styles and comments dropped, each tag a line break, the common
    // entities decoded.
    private static String asText(String markup) {
        String s = COMMENT.matcher(SCRIPT_OR_STYLE.matcher(markup).replaceAll("\n")).replaceAll("\n");
        s = TAG.matcher(s).replaceAll("\n");
        return s.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
    }
}
