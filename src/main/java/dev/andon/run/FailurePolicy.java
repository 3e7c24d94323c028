package dev.andon.run;

/** What a run does when one of its calls fails. */
public enum FailurePolicy {
    /** The first {@code FAILED} or {@code TIMED_OUT} call aborts every sibling and cancels the queue. */
    FAIL_FAST("fail-fast"),
    /** Every call runs to its end; the run is {@code FAILED} if any failed. */
    ALL_SETTLED("all-settled");

    private final String configName;

    FailurePolicy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** @return the policy named {@code name} in configuration, or {@code null} if there is none */
    public static FailurePolicy fromConfigName(String name) {
        for (FailurePolicy p : values()) if (p.configName.equals(name)) return p;
        return null;
    }
}
