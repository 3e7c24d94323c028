package dev.andon.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.andon.call.BlockingCall;
import dev.andon.call.HttpCall;
import dev.andon.call.StatusPattern;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code http} kind, one HTTP request (see {@link HttpCall}):
 * <pre>{@code
 * { name = ping, kind = http, url = "https://billing.internal/health" }
 * { name = push, kind = http, method = POST, url = "http://127.0.0.1:9000/jobs",
 *   headers { Content-Type = "application/json" }, body = """{"id": 7}""", expect-status = [200, 202] }
 * }</pre>
 * {@code url} (http or https, with a host) is required. {@code method} is one of GET (the
 * default), POST, PUT, DELETE, PATCH, HEAD, OPTIONS; {@code headers} an object of strings (the
 * client's own headers such as {@code Host} or {@code Content-Length} are refused);
 * {@code body} a string sent as UTF-8. {@code expect-status} takes the forms of
 * {@link StatusPattern} ({@code 200}, {@code "2xx"}, {@code "200-299"}, or a list of these); its
 * default is {@code andon.http-client.expect-status}. How much of the body is kept comes from
 * {@code andon.http-client.body-tail}. The request is built, and checked, here; the shared client
 * is asked for when the call first runs.
 */
public final class HttpKind implements KindParser {
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");

    @Override
    public String kind() {
        return "http";
    }

    @Override
    public Set<String> keys() {
        return Set.of("method", "url", "headers", "body", "expect-status");
    }

    @Override
    public BlockingCall<?> parse(ConfigBlock b, CallSettings settings, KindContext ctx) {
        Problems problems = b.problems();
        int before = problems.size();
        String method = method(b);
        URI uri = b.require("url") ? uri(b) : null;
        String refused = uri == null || ctx.httpDestinations() == null ? null : ctx.httpDestinations().hostProblem(uri.getHost());
        if (refused != null) b.problem("url", refused);
        String body = b.string("body");
        StatusPattern expect = expect(b, ctx.config(), problems);
        long tail = CommandKind.memorySize(ctx.config(), "andon.http-client.body-tail", problems);
        HttpRequest.Builder request = HttpRequest.newBuilder();
        headers(b, request);
        if (problems.size() > before) return null;
        request.uri(uri).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return new HttpCall(ctx.httpClient(), request.build(), expect, tail, ctx.httpDestinations());
    }

    private static String method(ConfigBlock b) {
        String method = b.string("method");
        if (method == null) return b.has("method") ? null : "GET";
        String upper = method.strip().toUpperCase(Locale.ROOT);
        if (METHODS.contains(upper)) return upper;
        b.problem("method", "unknown method \"" + method + "\"; one of " + String.join(", ", METHODS));
        return null;
    }

    private static URI uri(ConfigBlock b) {
        String url = b.string("url");
        if (url == null) return null;
        try {
            URI uri = new URI(url.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                b.problem("url", "must be an http:// or https:// URL, not \"" + url + "\"");
            } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
                b.problem("url", "has no host: \"" + url + "\"");
            } else {
                return uri;
            }
        } catch (URISyntaxException e) {
            b.problem("url", "not a URL: " + e.getMessage());
        }
        return null;
    }

    private static void headers(ConfigBlock b, HttpRequest.Builder request) {
        ConfigBlock headers = b.object("headers");
        if (headers == null) return;
        for (var e : headers.config().root().entrySet()) {
            ConfigValue v = e.getValue();
            if (v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER) {
                headers.problem(e.getKey(), "must be a string");
                continue;
            }
            try {
                request.header(e.getKey(), String.valueOf(v.unwrapped()));
            } catch (IllegalArgumentException x) {
                // "restricted header name", "invalid header name", "invalid header value"
                headers.problem(e.getKey(), x.getMessage());
            }
        }
    }

    private static StatusPattern expect(ConfigBlock b, Config config, Problems problems) {
        boolean own = b.has("expect-status");
        String key = own ? "expect-status" : "andon.http-client.expect-status";
        ConfigValue v = own ? b.config().root().get(key) : config.getValue(key);
        try {
            return StatusPattern.parse(v.unwrapped());
        } catch (IllegalArgumentException e) {
            if (own) b.problem(key, e.getMessage());
            else problems.add(v.origin(), key, e.getMessage());
            return null;
        }
    }
}
