package dev.andon.run;

/**
 * The one rule for which outcome a call gets, as README's outcomes table states it: a pure
 * function of how the call's last attempt ended and which abort, if any, had reached the call.
 * The worker and the supervisor only gather these facts; neither decides an outcome itself.
 */
public final class Outcomes {
    private Outcomes() {
    }

    /** How a call's last attempt ended, as its worker saw it. */
    public enum Ending {
        /** The call returned normally. */
        RETURNED,
        /** It threw, having seen no abort (none had been requested of it, nor pulled on its run). */
        THREW,
        /** It threw after an abort had been requested of it (it may have seen the run's cord first). */
        THREW_AFTER_ABORT,
        /** The attempt never began: queued when the abort came, or waiting out a retry's backoff. */
        NEVER_STARTED,
        /** It did not stop within the abort grace and was given up on. */
        NOT_STOPPED,
        /** Its worker stopped without a word about it: a bug in Andon. */
        WORKER_STOPPED,
        /**
         * It was running when the Andon that ran it died (a crash, {@code kill -9}, power loss):
         * found at the next start, in the store. What it did afterwards is unknown.
         */
        ANDON_DIED
    }

    /**
     * A call's outcome, or {@link #RETRY} when it has none yet.
     *
     * @param failure whether it counts as its run's failure: {@code FAILED}, {@code TIMED_OUT}, or
     *                abandoned after its own timeout
     */
    public record Outcome(CallStatus status, boolean failure) {
        /** Not an outcome: the attempt failed and another is due after the backoff. */
        public static final Outcome RETRY = new Outcome(null, false);

        public boolean isRetry() {
            return status == null;
        }
    }

    /**
     * The outcome of a call.
     *
     * @param ending      how its last attempt ended
     * @param abort       the abort that reached the call before its outcome, or null if none did
     * @param retryDue    whether its retry policy would try again after this failure
     * @param ranEarlier  whether an earlier attempt of it ran (it is in its retries)
     */
    public static Outcome of(Ending ending, AbortKind abort, boolean retryDue, boolean ranEarlier) {
        return switch (ending) {
            case RETURNED -> settled(CallStatus.SUCCEEDED);
            case THREW -> abort != null ? (retryDue ? aborted(abort) : settled(CallStatus.FAILED))
                    : retryDue ? Outcome.RETRY : settled(CallStatus.FAILED);
            case THREW_AFTER_ABORT -> aborted(abort);
            case NEVER_STARTED -> abort != null && abort.isOwnTimeout() || ranEarlier ? aborted(abort)
                    : settled(CallStatus.CANCELLED);
            case NOT_STOPPED -> new Outcome(CallStatus.ABANDONED, abort != null && abort.isOwnTimeout());
            case WORKER_STOPPED -> settled(CallStatus.FAILED);
            case ANDON_DIED -> settled(CallStatus.LOST);
        };
    }

    private static Outcome aborted(AbortKind abort) {
        return settled(abort != null && abort.isOwnTimeout() ? CallStatus.TIMED_OUT : CallStatus.ABORTED);
    }

    private static Outcome settled(CallStatus status) {
        return new Outcome(status, status.isFailure());
    }
}
