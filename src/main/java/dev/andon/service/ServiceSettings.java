package dev.andon.service;

import com.typesafe.config.Config;
import dev.andon.call.HttpDestinations;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;

/**
 * The service's settings, read once from {@code andon.http} (every key is documented in
 * {@code reference.conf}).
 *
 * @param authToken  empty for none (allowed only on a loopback host, see {@link #checkSecure()})
 * @param inlineHttp where posted jobs' http calls may go ({@code inline-http.allow-hosts})
 * @param requestArrivalTimeout how long a client has to send a whole request ({@code request-arrival-timeout})
 * @param maxParsingBytes how many bytes of posted job bodies are read and parsed at once ({@code max-parsing-bytes})
 */
public record ServiceSettings(String host, int port, String authToken, boolean allowInlineCommands,
                              long maxBodySize, int maxLiveRuns, int maxCallsPerRun, int maxSseClients,
                              int historySize, Duration retryAfter, int sseBuffer, Duration sseHeartbeat,
                              Duration askTimeout, int maxProblems, HttpDestinations inlineHttp,
                              Duration requestArrivalTimeout, long maxParsingBytes) {

    /** The section these settings come from. */
    public static final String PATH = "andon.http";

    public ServiceSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(authToken, "authToken");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535: " + port);
        if (maxLiveRuns < 1) throw new IllegalArgumentException("maxLiveRuns must be at least 1: " + maxLiveRuns);
        if (maxCallsPerRun < 1) throw new IllegalArgumentException("maxCallsPerRun must be at least 1: " + maxCallsPerRun);
        if (historySize < 0) throw new IllegalArgumentException("historySize must not be negative: " + historySize);
        Objects.requireNonNull(inlineHttp, "inlineHttp");
        if (maxProblems < 1) throw new IllegalArgumentException("maxProblems must be at least 1: " + maxProblems);
        if (requestArrivalTimeout.isNegative() || requestArrivalTimeout.isZero())
            throw new IllegalArgumentException("requestArrivalTimeout must be positive: " + requestArrivalTimeout);
        if (maxParsingBytes < 1) throw new IllegalArgumentException("maxParsingBytes must be positive: " + maxParsingBytes);
    }

    /** Reads {@code andon.http} of {@code config} (the whole configuration, reference.conf included). */
    public static ServiceSettings from(Config config) {
        Config c = config.getConfig(PATH);
        return new ServiceSettings(c.getString("host"), c.getInt("port"), c.getString("auth-token"),
                c.getBoolean("allow-inline-commands"), c.getBytes("max-body-size"), c.getInt("max-live-runs"),
                c.getInt("max-calls-per-run"), c.getInt("max-sse-clients"), c.getInt("history-size"),
                c.getDuration("retry-after"), c.getInt("sse-buffer"), c.getDuration("sse-heartbeat"),
                c.getDuration("ask-timeout"), c.getInt("max-problems"),
                new HttpDestinations(c.getStringList("inline-http.allow-hosts")), c.getDuration("request-arrival-timeout"),
                c.getBytes("max-parsing-bytes"));
    }

    /** Whether requests must carry {@code Authorization: Bearer <authToken>}. */
    public boolean authRequired() {
        return !authToken.isEmpty();
    }

    /**
     * Refuses an insecure setup: a host that is not loopback without an auth token.
     *
     * @throws InsecureSettingsException with one line a user can act on
     */
    public void checkSecure() {
        if (authRequired()) return;
        boolean loopback;
        try {
            loopback = InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new InsecureSettingsException(PATH + ".host = \"" + host + "\" is not a known host");
        }
        if (!loopback) {
            throw new InsecureSettingsException("refusing to listen on " + host + " without " + PATH
                    + ".auth-token: set a token, or bind a loopback address such as 127.0.0.1");
        }
    }

    /** A setup the service refuses to start with; its message is one line for the user. */
    public static final class InsecureSettingsException extends RuntimeException {
        InsecureSettingsException(String message) {
            super(message, null, false, false);
        }
    }
}
