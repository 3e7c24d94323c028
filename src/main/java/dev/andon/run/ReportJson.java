package dev.andon.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The one JSON form of reports and events, shared by {@code andon run --json} and the HTTP API so
 * that both print the same thing. Instants are ISO-8601 strings.
 */
public final class ReportJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private ReportJson() {
    }

    /** The shared mapper; configured once, thread-safe for reading and writing. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Serializes a sample report on a daemon thread. Jackson's first use (class loading, the
     * serializers of the report's records) takes most of a second in a fresh JVM: a command that
     * will print a report does it while its run runs, not between the run's end and its exit.
     */
    public static void warmUpInBackground() {
        Thread t = new Thread(() -> toJson(new RunReport("r-warm-up", "warm-up", RunStatus.FAILED,
                new RunReport.Cause("c", "e"), "r", Instant.now(), Instant.now(), 0L,
                List.of(new CallReport("c", CallStatus.ABANDONED, 1, Instant.now(), null, 0L, "r", "e", 0L, "t",
                        "p", List.of("s"), Map.of("k", 1))))), "andon-json-warm-up");
        t.setDaemon(true);
        t.start();
    }

    /** {@code value} as compact JSON. */
    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
        }
    }
}
