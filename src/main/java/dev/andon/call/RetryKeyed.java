package dev.andon.call;

import java.util.List;

/**
 * Implemented by failures that can be named in {@code retry.on} by something other than their
 * class: {@code "exit=3"} for a command's exit code, {@code "status=503"} or {@code "status=5xx"}
 * for an HTTP status.
 */
public interface RetryKeyed {
    /** The keys this failure answers to in {@code retry.on}. */
    List<String> retryKeys();
}
