package dev.andon.campaign;

/**
 * How one call of a campaign scenario behaves on its thread.
 *
 * @param millis    how long it works before it returns or throws
 * @param deafMillis for {@link Behaviour#DEAF}: how long it ignores an abort before it notices
 * @param timeoutMillis the call's own timeout, 0 for none
 * @param attempts  retry attempts in all (1: no retry)
 * @param failures  for {@link Behaviour#FLAKY}: how many attempts fail before one succeeds
 */
public record CallPlan(String name, Behaviour behaviour, int millis, int deafMillis, int timeoutMillis, int attempts,
                       int failures) {

    public enum Behaviour {
        /** Works, checking the abort signal, then returns. */
        SUCCEED,
        /** Works, checking the abort signal, then throws. */
        FAIL,
        /** Fails its first {@code failures} attempts, then succeeds. */
        FLAKY,
        /** Ignores aborts and interrupts for {@code deafMillis} after the abort, then stops. */
        DEAF,
        /** Registers a hook that throws, then works with the signal. */
        HOOK_THROWS,
        /** Swallows interrupts; stops only when it polls the abort signal. */
        SWALLOW_INTERRUPT,
        /** Waits for the abort and returns normally the moment it arrives (through a hook). */
        FINISH_ON_ABORT,
        /** Runs {@code sleep} as a real child process through the command kind. */
        PROCESS
    }
}
