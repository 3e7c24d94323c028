package dev.andon.call;

/**
 * Thrown by {@link WorkContext#checkpoint()} once an abort was requested; a call that lets it
 * propagate ends {@code ABORTED}. Its message is {@code "aborted: <reason>"}.
 */
public class AbortedException extends RuntimeException {
    private final String reason;

    public AbortedException(String reason) {
        super("aborted: " + reason, null, false, false);
        this.reason = reason;
    }

    /** Why the call was aborted, e.g. {@code "c2 failed"}, {@code "timeout"}, {@code "shutdown"}. */
    public String reason() {
        return reason;
    }
}
