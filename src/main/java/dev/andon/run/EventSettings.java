package dev.andon.run;

import com.typesafe.config.Config;

/**
 * The settings of a run's events, read once from {@code andon.events} (every key is documented
 * in {@code reference.conf}).
 */
public record EventSettings(int maxOutputLinesPerSecond, int retainedOutputLines) {
    /** The section these settings come from. */
    public static final String PATH = "andon.events";

    public EventSettings {
        if (maxOutputLinesPerSecond < 0)
            throw new IllegalArgumentException("maxOutputLinesPerSecond must not be negative: " + maxOutputLinesPerSecond);
        if (retainedOutputLines < 0)
            throw new IllegalArgumentException("retainedOutputLines must not be negative: " + retainedOutputLines);
    }

    /** Reads {@code andon.events} of {@code config} (the whole configuration, reference.conf included). */
    public static EventSettings from(Config config) {
        Config c = config.getConfig(PATH);
        return new EventSettings(c.getInt("max-output-lines-per-second"), c.getInt("retained-output-lines"));
    }
}
