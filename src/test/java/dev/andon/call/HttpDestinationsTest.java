package dev.andon.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a posted job's http calls may go: the rule, row by row. */
class HttpDestinationsTest {
    private final HttpDestinations allowed = new HttpDestinations(List.of("billing.internal", "*.example.com",
            "10.0.0.7", "192.168.0.0/16", "localhost", "127.0.0.2", "fd00::/8"));

    @Test
    void shouldAllowOnlyListedHostsWhenTheJobIsParsed() {
        for (String host : List.of("billing.internal", "BILLING.internal", "api.example.com", "a.b.example.com",
                "10.0.0.7", "192.168.4.5", "localhost", "127.0.0.2", "[fd00::1]"))
            assertNull(allowed.hostProblem(host), host);
        // 127.0.0.1 as a decimal or hex number, or an octal dotted quad, is a name no one listed.
        for (String host : List.of("example.com", "billing.internal.evil.com", "10.0.0.8", "127.0.0.1", "2130706433",
                "0x7f000001", "0177.0.0.1", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]", "evil-example.com"))
            assertTrue(allowed.hostProblem(host) != null, host);
        assertEquals("a posted job may make http calls only to the hosts listed in andon.http.inline-http.allow-hosts "
                + "(none are); list \"127.0.0.1\" there to allow it", HttpDestinations.none().hostProblem("127.0.0.1"));
    }

    @Test
    void shouldRefuseAListedNameThatResolvesToASpecialAddress() throws Exception {
        // localhost is listed by name, but it resolves to loopback, which only an address entry allows.
        var e = assertThrows(HttpDestinations.ForbiddenDestinationException.class,
                () -> allowed.check(URI.create("http://localhost:9/secret")));
        assertTrue(e.getMessage().startsWith("localhost resolves to 127.0.0.1 (loopback), which a posted job may call only when "
                + "andon.http.inline-http.allow-hosts lists that address"), e.getMessage());
        allowed.check(URI.create("http://127.0.0.2:9/")); // a listed address: allowed, even loopback
        allowed.check(URI.create("http://10.0.0.7/"));
        assertThrows(HttpDestinations.ForbiddenDestinationException.class, () -> allowed.check(URI.create("http://2130706433:9/")));
        assertThrows(HttpDestinations.ForbiddenDestinationException.class, () -> allowed.check(URI.create("http://169.254.169.254/latest")));
    }

    @Test
    void shouldTellTheSpecialAddresses() throws Exception {
        assertEquals("loopback", HttpDestinations.special(InetAddress.getByName("127.9.9.9")));
        assertEquals("loopback", HttpDestinations.special(InetAddress.getByName("::1")));
        assertEquals("loopback", HttpDestinations.special(InetAddress.getByName("::ffff:127.0.0.1")));
        assertEquals("link-local", HttpDestinations.special(InetAddress.getByName("169.254.169.254")));
        assertEquals("link-local", HttpDestinations.special(InetAddress.getByName("fe80::1")));
        assertEquals("the wildcard address", HttpDestinations.special(InetAddress.getByName("0.0.0.0")));
        assertEquals("multicast", HttpDestinations.special(InetAddress.getByName("224.0.0.1")));
        assertNull(HttpDestinations.special(InetAddress.getByName("10.1.2.3"))); // a listed name may resolve here
        for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()))
            for (var a : java.util.Collections.list(nic.getInetAddresses()))
                assertTrue(HttpDestinations.special(a) != null, "this machine's own " + a);
    }

    @Test
    void shouldRefuseAnEntryThatIsNoHostAddressOrRange() {
        for (String bad : List.of("http://x", "10.0.0.0/33", "a b", "*", "*.", "10.0.0.300", ""))
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new HttpDestinations(List.of("ok.example", bad)))
                    .getMessage().startsWith("andon.http.inline-http.allow-hosts[1]: not a host name"), bad);
    }
}
