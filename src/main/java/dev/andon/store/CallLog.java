package dev.andon.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * How the store writes what happened to a run's calls: many calls' starts and outcomes as the
 * lines of one text (a row of {@code andon_call_log}), rather than a row and a JSON document per
 * call, so that a run of 100,000 short calls costs the store a few rows, not 100,000.
 *
 * <p>One line per entry, in the order they happened. A {@link Text} writes:
 * <ul>
 *   <li>{@code B\tNANOS}: the time (nanoseconds since the epoch) the text's later times count from;</li>
 *   <li>{@code T\tNAME}: a thread's name, the text's next thread (the first is 0);</li>
 *   <li>{@code r\tSTART\tNAME}: the call started, {@code START} nanoseconds after the base;</li>
 *   <li>{@code f\tSTATUS\tATTEMPTS\tSTART\tSPAN\tDURATION_MS\tTHREAD\tNAME}: it ended, with
 *       nothing in its report beyond these fields. {@code ATTEMPTS} empty is 1; {@code START} is
 *       from the base, {@code SPAN} from the start to the end (from the base, without a start);
 *       either empty is null; {@code DURATION_MS} empty is the one its times give (the
 *       milliseconds from its start to its end, null without both), {@code -} is null;
 *       {@code THREAD} is the number of a {@code T} line, empty for none;</li>
 *   <li>{@code J\tJSON}: anything else (an error, a result, details, several attempts, a name or a
 *       thread with a tab or a line break): the call's report as JSON; a report with status
 *       {@code RUNNING} is a start.</li>
 * </ul>
 * A line is about 40 bytes for a plain outcome, where it was 90 (the two times in full and the
 * thread's name each time). What stores of schema version 4 wrote before is read as well:
 * {@code R\tSTARTED\tNAME} and {@code F\tSTATUS\tATTEMPTS\tSTARTED\tFINISHED\tDURATION_MS\tTHREAD\tNAME},
 * with their times in full and empty fields null.
 *
 * <p>Reading the entries back gives each call's last state: an outcome wins over a start, whatever
 * their order, and a later outcome over an earlier one.
 */
final class CallLog {
    private static final long MAX_EPOCH_SECOND = Long.MAX_VALUE / 1_000_000_000L - 1;

    /**
     * Builders of texts already taken ({@link Text#take}), kept on the thread that wrote them for
     * its next texts: a long run's rows are ~330 KB each (8,192 outcomes), and a new builder grown
     * to that size for each row was a third of the store writer's CPU in page faults and copies.
     * At most a few, none over a few megabytes, are kept.
     */
    private static final ThreadLocal<ArrayDeque<StringBuilder>> SPARE = ThreadLocal.withInitial(ArrayDeque::new);
    private static final int SPARE_KEPT = 4;
    private static final int SPARE_MAX_CHARS = 4 << 20;

    private final ObjectWriter writer;
    private final ObjectReader reader;

    CallLog(ObjectWriter writer, ObjectReader reader) {
        this.writer = writer;
        this.reader = reader;
    }

    /** A text to write entries to (one row's), in a builder this thread kept, if it has one. */
    Text text() {
        StringBuilder kept = SPARE.get().poll();
        return new Text(kept != null ? kept : new StringBuilder());
    }

    /** The entries of one row, with the time they count from and the threads they name. */
    final class Text {
        private final StringBuilder out;
        private final Map<String, Integer> threads = new HashMap<>();
        private long baseSecond;
        private long base; // nanoseconds since the epoch, once based
        private boolean based;

        private Text(StringBuilder out) {
            this.out = out;
        }

        /** Appends the entry of a start. */
        void started(String name, Instant at) {
            if (plain(name) && near(at)) {
                out.append("r\t").append(since(at)).append('\t').append(name).append('\n');
            } else {
                json(out, CallReport.live(name, CallStatus.RUNNING, 1, at, null, null));
            }
        }

        /** Appends the entry of an outcome. */
        void finished(CallReport r) {
            Instant started = r.startedAt(), finished = r.finishedAt();
            // Unboxed: this runs for each of a long run's outcomes.
            boolean timed = started != null && finished != null;
            long derived = timed ? finished.toEpochMilli() - started.toEpochMilli() : 0;
            Long duration = r.durationMillis();
            boolean durationDerived = timed ? duration != null && duration == derived : duration == null;
            // A thread's T line only for an entry that will be a short line (not one that goes to JSON).
            int thread = !plainFields(r) ? NOT_PLAIN : r.thread() == null ? -1 : thread(r.thread());
            if (thread == NOT_PLAIN || (started != null && !near(started))
                    || (finished != null && !near(finished))) {
                CallLog.this.finished(out, r); // in full, or as JSON
                return;
            }
            out.append("f\t").append(r.status().name()).append('\t');
            if (r.attempts() != 1) out.append(r.attempts());
            out.append('\t');
            if (started != null) out.append(since(started));
            out.append('\t');
            if (finished != null) out.append(started != null ? nanos(finished) - nanos(started) : since(finished));
            out.append('\t');
            if (!durationDerived) {
                if (duration == null) out.append('-');
                else out.append(duration.longValue());
            }
            out.append('\t');
            if (thread >= 0) out.append(thread);
            out.append('\t').append(r.name()).append('\n');
        }

        @Override
        public String toString() {
            return out.toString();
        }

        /**
         * The text, for the last time: its builder goes back to this thread's spares for its next
         * text (see {@link #text()}), so nothing may be written here afterwards.
         */
        String take() {
            String text = out.toString();
            out.setLength(0);
            ArrayDeque<StringBuilder> spare = SPARE.get();
            if (spare.size() < SPARE_KEPT && out.capacity() <= SPARE_MAX_CHARS) spare.push(out);
            return text;
        }

        /** Whether {@code t} can be written from the base (based on it, if nothing is yet): within a century of it. */
        private boolean near(Instant t) {
            if (!fits(t)) return false;
            if (!based) {
                based = true;
                baseSecond = t.getEpochSecond();
                base = nanos(t);
                out.append("B\t").append(base).append('\n');
                return true;
            }
            return Math.abs(t.getEpochSecond() - baseSecond) < CENTURY_SECONDS;
        }

        private long since(Instant t) {
            return nanos(t) - base;
        }

        /** The number of a thread's {@code T} line (written now, if it is the first of it), or {@link #NOT_PLAIN}. */
        private int thread(String name) {
            Integer n = threads.get(name);
            if (n != null) return n;
            if (name.isEmpty() || !plain(name)) return NOT_PLAIN;
            int next = threads.size();
            threads.put(name, next);
            out.append("T\t").append(name).append('\n');
            return next;
        }
    }

    private static final int NOT_PLAIN = -2;
    private static final long CENTURY_SECONDS = 100L * 366 * 24 * 3600;

    /** Appends the entry of a start, its time in full (as schema version 4 wrote it). */
    void started(StringBuilder out, String name, Instant at) {
        if (plain(name) && fits(at)) {
            out.append("R\t").append(nanos(at)).append('\t').append(name).append('\n');
        } else {
            json(out, CallReport.live(name, CallStatus.RUNNING, 1, at, null, null));
        }
    }

    /** Appends the entry of an outcome, its times in full (as schema version 4 wrote it). */
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
        return plainFields(r) && (r.thread() == null || (!r.thread().isEmpty() && plain(r.thread())));
    }

    /** Whether a report is all in the fields of an {@code F} line, its thread aside. */
    private static boolean plainFields(CallReport r) {
        return r.result() == null && r.error() == null && r.abortToAckMillis() == null && r.progress() == null
                && r.stackTrace() == null && r.details().isEmpty() && r.attemptTimes().isEmpty()
                && r.lastHeartbeatAt() == null && r.status() != CallStatus.RUNNING && plain(r.name())
                && (r.startedAt() == null || fits(r.startedAt())) && (r.finishedAt() == null || fits(r.finishedAt()));
    }

    private static boolean plain(String s) {
        return s.indexOf('\t') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0; // indexOf is vectorised
    }

    private static boolean fits(Instant t) {
        return Math.abs(t.getEpochSecond()) < MAX_EPOCH_SECOND;
    }

    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static Instant instant(long n) {
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
    }

    private static Instant instant(String s) {
        return s.isEmpty() ? null : instant(Long.parseLong(s));
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
        int n = names.size();
        if (n == 0 || names.get(0).startsWith("[")) return dev.andon.run.ReportJson.toJson(names);
        // One pass to look at them and size the text, one to write it (String.join copies the
        // list into an array and grows as it goes: a third slower for 100,000 names).
        long length = n - 1;
        for (int i = 0; i < n; i++) {
            String name = names.get(i);
            if (name.indexOf('\n') >= 0) return dev.andon.run.ReportJson.toJson(names);
            length += name.length();
        }
        StringBuilder text = new StringBuilder(Math.toIntExact(length));
        for (int i = 0; i < n; i++) {
            if (i > 0) text.append('\n');
            text.append(names.get(i));
        }
        return text.toString();
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
        Reading reading = new Reading();
        int at = 0;
        while (at < text.length()) {
            int end = text.indexOf('\n', at);
            if (end < 0) end = text.length();
            if (end > at) entry(text.substring(at, end), calls, reading);
            at = end + 1;
        }
    }

    /** What a text's earlier lines said that its later ones count on: the base, the threads. */
    private static final class Reading {
        Long base;
        final java.util.List<String> threads = new java.util.ArrayList<>();

        Instant since(String field) {
            if (field.isEmpty()) return null;
            if (base == null) throw new IllegalStateException("unreadable call entry in the store: a time before any base");
            return instant(base + Long.parseLong(field));
        }
    }

    private void entry(String line, Map<String, RunStore.CallRow> calls, Reading reading) {
        String[] f;
        switch (line.charAt(0)) {
            case 'B' -> reading.base = Long.parseLong(line.substring(2));
            case 'T' -> reading.threads.add(line.substring(2));
            case 'r' -> {
                f = line.split("\t", 3);
                calls.putIfAbsent(f[2], new RunStore.CallRow(f[2], CallStatus.RUNNING, reading.since(f[1]), null));
            }
            case 'f' -> {
                f = line.split("\t", 8);
                Instant started = reading.since(f[3]);
                Instant finished = f[4].isEmpty() ? null
                        : started != null ? instant(nanos(started) + Long.parseLong(f[4])) : reading.since(f[4]);
                Long duration = f[5].isEmpty()
                        ? (started == null || finished == null ? null : finished.toEpochMilli() - started.toEpochMilli())
                        : f[5].equals("-") ? null : Long.valueOf(f[5]);
                String thread = f[6].isEmpty() ? null : reading.threads.get(Integer.parseInt(f[6]));
                CallReport r = new CallReport(f[7], CallStatus.valueOf(f[1]), f[2].isEmpty() ? 1 : Integer.parseInt(f[2]),
                        started, finished, duration, null, null, null, thread, null, null, null);
                outcome(r, calls);
            }
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
