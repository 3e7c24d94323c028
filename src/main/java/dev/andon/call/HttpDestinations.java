package dev.andon.call;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the {@code http} calls of a less trusted job (one posted to the service) may go: the hosts
 * of {@code andon.http.inline-http.allow-hosts}, and nowhere else — a posted job must not make the
 * service a proxy into the network behind it (server-side request forgery).
 *
 * <h2>Entries</h2>
 * A host name ({@code billing.internal}), a domain's hosts ({@code *.example.com}, not the domain
 * itself), an IP address ({@code 10.0.0.7}, {@code ::1}) or a CIDR range ({@code 10.0.0.0/8}).
 *
 * <h2>The rule</h2>
 * A URL's host must be listed, as a name or (for an address literal) as an address or in a range:
 * checked when the job is parsed ({@link #hostProblem}) and again when the call runs
 * ({@link #check}). When it runs, the host is resolved, and every address it resolves to must be
 * allowed: an address that is listed, or in a listed range; otherwise any address but the special
 * ones — loopback, link-local (169.254.169.254, the cloud metadata address, among them), the
 * wildcard, multicast, and any address of this machine's own interfaces (the service itself) —
 * which only an address or range entry allows. So a listed name that resolves to 127.0.0.1 (DNS
 * rebinding, or a mistake) is refused, and {@code 2130706433} or {@code 0x7f000001} (127.0.0.1
 * spelled as a number) is a name no one lists. The JVM caches what a name resolved to (30 s by
 * default, {@code networkaddress.cache.ttl}), so the client connects to the address checked here.
 * Redirects are not followed for such calls (the client they get never follows one).
 *
 * <h2>Threading</h2>
 * Immutable and thread-safe. {@link #check} resolves names, so it blocks: call it on the call's
 * own thread.
 */
public final class HttpDestinations {
    /** The setting that lists the hosts, named in every refusal. */
    public static final String SETTING = "andon.http.inline-http.allow-hosts";

    private static final Pattern NAME = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final List<String> names = new ArrayList<>();     // exact, lower case
    private final List<String> suffixes = new ArrayList<>();  // ".example.com" for "*.example.com"
    private final List<Range> ranges = new ArrayList<>();
    private final List<String> entries;

    private record Range(byte[] network, int bits) {
        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) return false;
            BigInteger mask = BigInteger.ONE.shiftLeft(b.length * 8).subtract(BigInteger.ONE)
                    .shiftRight(bits).not();
            return new BigInteger(1, b).and(mask).equals(new BigInteger(1, network).and(mask));
        }
    }

    /**
     * @param entries host names, {@code *.domain}s, addresses and CIDR ranges
     * @throws IllegalArgumentException naming the first entry that is none of these
     */
    public HttpDestinations(List<String> entries) {
        this.entries = List.copyOf(entries);
        for (int i = 0; i < entries.size(); i++) {
            String e = entries.get(i).strip().toLowerCase(Locale.ROOT);
            Range range = range(e);
            if (range != null) ranges.add(range);
            else if (e.startsWith("*.") && NAME.matcher(e).matches()) suffixes.add(e.substring(1));
            else if (NAME.matcher(e).matches() && !e.matches("[0-9.]+")) names.add(e);
            else throw new IllegalArgumentException(SETTING + "[" + i + "]: not a host name, *.domain, IP address or "
                        + "CIDR range: \"" + entries.get(i) + "\"");
        }
    }

    /** None allowed: what {@code allow-hosts = []} means. */
    public static HttpDestinations none() {
        return new HttpDestinations(List.of());
    }

    /** An address literal or CIDR range, or null when {@code e} is neither. Never resolves a name. */
    private static Range range(String e) {
        int slash = e.indexOf('/');
        String address = slash < 0 ? e : e.substring(0, slash);
        InetAddress a = literal(address);
        if (a == null) return null;
        int max = a.getAddress().length * 8;
        int bits = max;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(e.substring(slash + 1));
            } catch (NumberFormatException x) {
                return null;
            }
            if (bits < 0 || bits > max) return null;
        }
        return new Range(a.getAddress(), bits);
    }

    /** The address a dotted-quad or bracketed/colon IPv6 literal names, or null; never a DNS lookup. */
    static InetAddress literal(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean v4 = IPV4.matcher(h).matches();
        boolean v6 = h.contains(":") && h.matches("[0-9a-fA-F:.%a-zA-Z0-9]+");
        if (!v4 && !v6) return null;
        if (v4) for (String part : h.split("\\.")) if (Integer.parseInt(part) > 255) return null;
        try {
            return InetAddress.getByName(h); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The problem with calling {@code host}, or null when it is listed. Does not resolve it. */
    public String hostProblem(String host) {
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        InetAddress a = literal(h);
        if (a != null ? ranges.stream().anyMatch(r -> r.contains(a)) : nameListed(h)) return null;
        return "a posted job may make http calls only to the hosts listed in " + SETTING + " ("
                + (entries.isEmpty() ? "none are" : String.join(", ", entries)) + "); list \"" + host
                + "\" there to allow it";
    }

    private boolean nameListed(String h) {
        return names.contains(h) || suffixes.stream().anyMatch(h::endsWith);
    }

    /**
     * Refuses {@code uri} unless its host is listed and every address it resolves to is allowed.
     *
     * @throws ForbiddenDestinationException when it is not
     * @throws UnknownHostException          when the host does not resolve
     */
    public void check(URI uri) throws ForbiddenDestinationException, UnknownHostException {
        Objects.requireNonNull(uri, "uri");
        String host = uri.getHost();
        String problem = hostProblem(host);
        if (problem != null) throw new ForbiddenDestinationException(problem + ": " + uri);
        InetAddress literal = literal(host);
        for (InetAddress a : literal != null ? new InetAddress[] {literal} : InetAddress.getAllByName(host)) {
            if (ranges.stream().anyMatch(r -> r.contains(a))) continue;
            String special = special(a);
            if (special != null)
                throw new ForbiddenDestinationException(host + " resolves to " + a.getHostAddress() + " (" + special
                        + "), which a posted job may call only when " + SETTING + " lists that address: " + uri);
        }
    }

    /** What makes {@code a} an address a name entry alone does not allow, or null. */
    static String special(InetAddress a) {
        if (a.isLoopbackAddress()) return "loopback";
        if (a.isLinkLocalAddress()) return "link-local";
        if (a.isAnyLocalAddress()) return "the wildcard address";
        if (a.isMulticastAddress()) return "multicast";
        try {
            if (NetworkInterface.getByInetAddress(a) != null) return "an address of this machine";
        } catch (SocketException e) {
            return "an address of this machine, perhaps (" + e.getMessage() + ")";
        }
        return null;
    }

    @Override
    public String toString() {
        return SETTING + " = " + entries;
    }

    /** A posted job's http call to a destination it may not call. */
    public static final class ForbiddenDestinationException extends java.io.IOException {
        public ForbiddenDestinationException(String message) {
            super(message);
            setStackTrace(new StackTraceElement[0]); // the user's mistake, not our bug: one line
        }
    }
}
