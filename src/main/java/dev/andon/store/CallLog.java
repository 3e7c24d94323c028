package dev.andon.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;

/**
 * How the store writes what happened to a run's calls: many calls' starts and outcomes as the
 * lines of one text (a row of {@code andon_call_log}), rather than a row and a JSON document per
 * call, so that a run of 100,000 short calls costs the store a few rows, not 100,000.
 *
 * <p>One line per entry, in the order they happened:
 * <ul>
 *   <li>{@code R\tSTARTED\tNAME}: the call started ({@code STARTED} in nanoseconds since the epoch);</li>
 *   <li>{@code F\tSTATUS\tATTEMPTS\tSTARTED\tFINISHED\tDURATION_MS\tTHREAD\tNAME}: it ended, with
 *       nothing in its report beyond these fields (an empty field is null);</li>
 *   <li>{@code J\tJSON}: anything else (an error, a result, details, several attempts, a name or a
 *       thread with a tab or a line break): the call's report as JSON; a report with status
 *       {@code RUNNING} is a start.</li>
 * </ul>
 * Reading the entries back gives each call's last state: an outcome wins over a start, whatever
 * their order, and a later outcome over an earlier one.
 */
final class CallLog {
    private static final long MAX_EPOCH_SECOND = Long.MAX_VALUE / 1_000_000_000L - 1;

    private final ObjectWriter writer;
    private final ObjectReader reader;

    CallLog(ObjectWriter writer, ObjectReader reader) {
        this.writer = writer;
        this.reader = reader;
    }

    /** Appends the entry of a start. */
    void started(StringBuilder out, String name, Instant at) {
        if (plain(name) && fits(at)) {
            out.append("R\t").append(nanos(at)).append('\t').append(name).append('\n');
        } else {
            json(out, CallReport.live(name, CallStatus.RUNNING, 1, at, null, null));
        }
    }

    /** Appends the entry of an outcome. */
    void finished(StringBuilder out, CallReport r) {
        if (!simple(r)) {
            json(out, r);
            return;
        }
        out.append("F\t").append(r.status().name()).append('\t').append(r.attempts()).append('\t');
        if (r.startedAt() != null) out.append(nanos(r.startedAt()));
        out.append('\t');
        if (r.finishedAt() != null) out.append(nanos(r.finishedAt()));
        out.append('\t');
        if (r.durationMillis() != null) out.append(r.durationMillis().longValue());
        out.append('\t');
        if (r.thread() != null) out.append(r.thread());
        out.append('\t').append(r.name()).append('\n');
    }

    /** Whether a report is all in the fields of an {@code F} line. */
    private static boolean simple(CallReport r) {
        return r.result() == null && r.error() == null && r.abortToAckMillis() == null && r.progress() == null
                && r.stackTrace() == null && r.details().isEmpty() && r.attemptTimes().isEmpty()
                && r.lastHeartbeatAt() == null && r.status() != CallStatus.RUNNING && plain(r.name())
                && (r.thread() == null || (!r.thread().isEmpty() && plain(r.thread())))
                && (r.startedAt() == null || fits(r.startedAt())) && (r.finishedAt() == null || fits(r.finishedAt()));
    }

    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t' || c == '\n' || c == '\r') return false;
        }
        return true;
    }

    private static boolean fits(Instant t) {
        return Math.abs(t.getEpochSecond()) < MAX_EPOCH_SECOND;
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static Instant instant(String s) {
        if (s.isEmpty()) return null;
        long n = Long.parseLong(s);
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
    }

    private void json(StringBuilder out, CallReport r) {
        try {
            out.append("J\t").append(writer.writeValueAsString(r)).append('\n');
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report of call " + r.name() + " as JSON", e);
        }
    }

    /**
     * A run's call names as the store's {@code call_names} text: one a line, or (when a name has a
     * line break, or the first begins with {@code [}) a JSON array, as Andons of schema version 2
     * and before wrote them all. Lines are what a run of 100,000 calls can afford to write before
     * it starts.
     */
    static String names(java.util.List<String> names) {
        boolean lines = !names.isEmpty() && !names.get(0).startsWith("[");
        for (int i = 0; lines && i < names.size(); i++) if (names.get(i).indexOf('\n') >= 0) lines = false;
        return lines ? String.join("\n", names) : dev.andon.run.ReportJson.toJson(names);
    }

    /** Whether a {@code call_names} text is a JSON array (else it is one name a line). */
    static boolean isJsonNames(String text) {
        return text.startsWith("[");
    }

    /** The names of a {@code call_names} text of lines. */
    static java.util.List<String> names(String lines) {
        return java.util.List.of(lines.split("\n", -1));
    }

    /** Reads {@code text}'s entries into {@code calls} (by name), each over what {@code calls} had. */
    void read(String text, Map<String, RunStore.CallRow> calls) {
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf('\n', at);
            if (end < 0) end = text.length();
            if (end > at) entry(text.substring(at, end), calls);
            at = end + 1;
        }
    }

    private void entry(String line, Map<String, RunStore.CallRow> calls) {
        String[] f;
        switch (line.charAt(0)) {
            case 'R' -> {
                f = line.split("\t", 3);
                String name = f[2];
                calls.putIfAbsent(name, new RunStore.CallRow(name, CallStatus.RUNNING, instant(f[1]), null));
            }
            case 'F' -> {
                f = line.split("\t", 8);
                CallReport r = new CallReport(f[7], CallStatus.valueOf(f[1]), Integer.parseInt(f[2]), instant(f[3]),
                        instant(f[4]), f[5].isEmpty() ? null : Long.valueOf(f[5]), null, null, null,
                        f[6].isEmpty() ? null : f[6], null, null, null);
                outcome(r, calls);
            }
            case 'J' -> {
                CallReport r;
                try {
                    r = reader.readValue(line.substring(2));
                } catch (IOException e) {
                    throw new IllegalStateException("unreadable call entry in the store: " + e.getMessage(), e);
                }
                if (r.status() == CallStatus.RUNNING)
                    calls.putIfAbsent(r.name(), new RunStore.CallRow(r.name(), CallStatus.RUNNING, r.startedAt(), null));
                else outcome(r, calls);
            }
            default -> throw new IllegalStateException("unreadable call entry in the store: " + line);
        }
    }

    private static void outcome(CallReport r, Map<String, RunStore.CallRow> calls) {
        RunStore.CallRow before = calls.get(r.name());
        Instant startedAt = r.startedAt() != null ? r.startedAt() : before == null ? null : before.startedAt();
        calls.put(r.name(), new RunStore.CallRow(r.name(), r.status(), startedAt, r));
    }
}
