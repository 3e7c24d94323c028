package dev.andon.campaign;

import dev.andon.run.FailurePolicy;
import java.util.List;

/**
 * One randomly generated run: its calls, policies and what happens to it from outside.
 *
 * @param outsideAtMillis when the outside event happens, after the run was submitted
 */
public record Scenario(List<CallPlan> calls, FailurePolicy policy, int maxParallelism, int graceMillis,
                       int deadlineMillis, Outside outside, int outsideAtMillis) {

    public enum Outside { NONE, ABORT, SHUTDOWN }

    @Override
    public String toString() {
        return "Scenario[" + calls.size() + " calls, " + policy.configName() + ", parallelism " + maxParallelism
                + ", grace " + graceMillis + " ms, deadline " + deadlineMillis + " ms, " + outside + " at "
                + outsideAtMillis + " ms, calls=" + calls + "]";
    }
}
