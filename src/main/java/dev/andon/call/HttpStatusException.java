package dev.andon.call;

import java.util.List;

/**
 * An HTTP call got a status its {@code expect-status} does not allow. The message names the
 * status, what was expected and the last line of the body; {@code retry.on} can name it as
 * {@code "status=503"} or {@code "status=5xx"}.
 */
public final class HttpStatusException extends Exception implements RetryKeyed {
    private final int status;

    public HttpStatusException(int status, StatusPattern expected, String bodyLine) {
        super("HTTP " + status + " (expected " + expected + ")"
                + (bodyLine == null || bodyLine.isEmpty() ? "" : ": " + bodyLine), null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    @Override
    public List<String> retryKeys() {
        return List.of("status=" + status, "status=" + status / 100 + "xx");
    }
}
