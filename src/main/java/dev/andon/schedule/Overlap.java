package dev.andon.schedule;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What a schedule does when a fire finds its last run still live ({@code overlap}). */
public enum Overlap {
    /** The fire is recorded as skipped. */
    SKIP,
    /** At most one fire waits until the live run ends; fires while one waits are skipped. */
    BUFFER_ONE,
    /** The live run is aborted ({@code replaced by schedule}); the new one starts once it has ended. */
    REPLACE,
    /** The new run starts beside the live one. */
    ALLOW;

    /** The name in the configuration: {@code skip}, {@code buffer-one}, {@code replace}, {@code allow}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The overlap named {@code name} in the configuration, or {@code null}. */
    public static Overlap fromConfigName(String name) {
        for (Overlap o : values()) if (o.configName().equals(name)) return o;
        return null;
    }

    /** The configuration names, for a problem message: {@code skip, buffer-one, replace, allow}. */
    public static String configNames() {
        return Arrays.stream(values()).map(Overlap::configName).collect(Collectors.joining(", "));
    }
}
