package dev.andon.call;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which HTTP status codes an {@code http} call expects ({@code expect-status}). Forms:
 * <ul>
 *   <li>a code: {@code 200} or {@code "200"};
 *   <li>a class: {@code "2xx"} (200..299), {@code "4xx"};
 *   <li>a range: {@code "200-299"}, both ends included;
 *   <li>a list of any of these: {@code [200, 204, "3xx"]}.
 * </ul>
 * Codes are within 100..599. Immutable.
 */
public final class StatusPattern {
    private static final Pattern CODE = Pattern.compile("[1-5]\\d\\d");
    private static final Pattern CLASS = Pattern.compile("([1-5])xx");
    private static final Pattern RANGE = Pattern.compile("([1-5]\\d\\d)\\s*-\\s*([1-5]\\d\\d)");

    private record Range(int from, int to, String text) {
    }

    private final List<Range> ranges;

    private StatusPattern(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * Parses an {@code expect-status} value as HOCON unwraps it: a number, a string, or a list of
     * them.
     *
     * @throws IllegalArgumentException naming what is wrong, e.g. {@code "600" is not a status
     *         code (100-599), a class ("2xx") or a range ("200-299")}
     */
    public static StatusPattern parse(Object value) {
        List<Range> ranges = new ArrayList<>();
        if (value instanceof List<?> list) {
            if (list.isEmpty()) throw new IllegalArgumentException("must not be an empty list");
            for (Object item : list) {
                if (item instanceof List<?>) throw new IllegalArgumentException("lists do not nest: " + item);
                ranges.add(range(item));
            }
        } else {
            ranges.add(range(value));
        }
        return new StatusPattern(ranges);
    }

    private static Range range(Object item) {
        String s = item instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                ? Long.toString(n.longValue()) : String.valueOf(item).strip().toLowerCase(Locale.ROOT);
        if (CODE.matcher(s).matches()) return new Range(Integer.parseInt(s), Integer.parseInt(s), s);
        Matcher m = CLASS.matcher(s);
        if (m.matches()) {
            int c = Integer.parseInt(m.group(1)) * 100;
            return new Range(c, c + 99, s);
        }
        m = RANGE.matcher(s);
        if (m.matches()) {
            int from = Integer.parseInt(m.group(1));
            int to = Integer.parseInt(m.group(2));
            if (from > to) throw new IllegalArgumentException("\"" + s + "\" is an empty range");
            return new Range(from, to, from + "-" + to);
        }
        throw new IllegalArgumentException("\"" + item + "\" is not a status code (100-599), a class (\"2xx\") "
                + "or a range (\"200-299\")");
    }

    /** Whether {@code status} is expected. */
    public boolean matches(int status) {
        for (Range r : ranges) if (status >= r.from && status <= r.to) return true;
        return false;
    }

    /** The pattern as written, normalised: {@code "2xx"}, {@code "200, 204"}. */
    @Override
    public String toString() {
        return String.join(", ", ranges.stream().map(Range::text).toList());
    }
}
