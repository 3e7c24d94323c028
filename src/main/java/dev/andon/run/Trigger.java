package dev.andon.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * How a run was started, as its report says ({@code "trigger": {"kind": "cli", ...}}).
 *
 * @param kind     who started it
 * @param fireTime for {@code schedule}: the fire time it runs for; else {@code null}
 * @param manual   for {@code schedule}: {@code true} when fired by hand ({@code /trigger}); else {@code null}
 * @param rerunOf  for {@code rerun} and {@code recovery}: the run it repeats; else {@code null}
 * @param missed   for {@code schedule}: {@code true} for a fire missed during downtime and caught up
 *                 at start; else {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Trigger(Kind kind, Instant fireTime, Boolean manual, String rerunOf, Boolean missed) {
    public enum Kind {
        CLI, API, SCHEDULE, RERUN, RECOVERY;

        /** The name in JSON and in the store: {@code cli}, {@code api}, ... */
        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind named {@code name} ({@code cli}, ...), or {@code null}. */
        public static Kind fromWireName(String name) {
            for (Kind k : values()) if (k.wireName().equals(name)) return k;
            return null;
        }
    }

    public static final Trigger CLI = new Trigger(Kind.CLI, null, null, null, null);
    public static final Trigger API = new Trigger(Kind.API, null, null, null, null);

    public Trigger {
        Objects.requireNonNull(kind, "kind");
        if ((kind == Kind.RERUN || kind == Kind.RECOVERY) && rerunOf == null)
            throw new IllegalArgumentException(kind.wireName() + " trigger needs rerunOf");
    }

    public static Trigger schedule(Instant fireTime, boolean manual) {
        return schedule(fireTime, manual, false);
    }

    /** A schedule's fire; {@code missed} for one caught up at start. */
    public static Trigger schedule(Instant fireTime, boolean manual, boolean missed) {
        return new Trigger(Kind.SCHEDULE, Objects.requireNonNull(fireTime, "fireTime"), manual, null, missed ? true : null);
    }

    public static Trigger rerun(String of) {
        return new Trigger(Kind.RERUN, null, null, Objects.requireNonNull(of, "of"), null);
    }

    public static Trigger recovery(String of) {
        return new Trigger(Kind.RECOVERY, null, null, Objects.requireNonNull(of, "of"), null);
    }
}
