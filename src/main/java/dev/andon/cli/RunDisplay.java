package dev.andon.cli;

import dev.andon.run.CallReport;
import dev.andon.run.CallSpec;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunEvent;
import dev.andon.run.RunListener;
import dev.andon.run.RunReport;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Shows a run as it goes, on stderr: on a terminal, one status line of counts by call status,
 * redrawn in place (with the notable events printed above it); otherwise one line per event.
 *
 * <h2>Order</h2>
 * Lines are printed in the order of their times. An event's time is when it happened (a call's
 * start is when its thread began it), and events reach the display in the order the run's
 * supervisor heard of them, which on a busy machine is not always that: each line waits
 * {@code andon.cli.event-lines-delay} after it arrived, so that one told late is printed before
 * the later ones that overtook it. The log lines of the run's Andon join them (see {@link #note}),
 * so a warning is printed among the events in its turn, never after the run's last line. The
 * run's last event prints at once whatever is left.
 *
 * <h2>Threading</h2>
 * {@link #onEvent} is called on the run supervisor's thread and {@link #note} on any; both only
 * enqueue. A daemon thread of its own, {@code andon-cli-display}, does all the printing, so a slow
 * terminal or a full pipe never holds up the run.
 */
final class RunDisplay implements RunListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    // How often the terminal's status line is redrawn while nothing happens (for the elapsed time).
    private static final long REDRAW_MILLIS = 200;

    private final PrintStream err;
    private final boolean live;
    private final String job;
    private final Map<String, CallStatus> calls = new LinkedHashMap<>();
    private final long delayNanos;
    private final BlockingQueue<Line> queue = new LinkedBlockingQueue<>();
    // Taken by note() to enqueue and by the printer as it stops, so that nothing noted is lost.
    private final Object closing = new Object();
    private boolean closed; // guarded by closing
    private long arrivals;  // only on the printer thread
    private final Thread printer;
    // What is known of each call, for a run cut short (a second signal): written on the thread that
    // delivers the events, read from any.
    private final java.util.List<String> callNames;
    private final Map<String, CallReport> known = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile RunEvent.RunStarted knownStart;
    private Instant startedAt;
    private String runId = "";
    private boolean statusShown;

    /**
     * One line to print: an event of the run, or a line of the log (formatted only when printed).
     * {@code arrivedNanos} and {@code seq} are set by the printer as it takes the line in.
     */
    private static final class Line {
        final Instant at;
        final RunEvent event;
        final java.util.function.Supplier<String> text;
        long arrivedNanos;
        long seq;

        Line(Instant at, RunEvent event, java.util.function.Supplier<String> text) {
            this.at = at;
            this.event = event;
            this.text = text;
        }
    }

    private static final java.util.Comparator<Line> IN_TIME_ORDER =
            java.util.Comparator.<Line, Instant>comparing(l -> l.at).thenComparingLong(l -> l.seq);

    /**
     * @param live  {@code true} for the in-place status line of a terminal, {@code false} for event lines
     * @param delay how long each line waits, from its arrival, for earlier ones told late
     */
    RunDisplay(JobSpec job, boolean live, PrintStream err, Duration delay) {
        this.err = err;
        this.live = live;
        this.delayNanos = delay.toNanos();
        this.job = job.name();
        for (CallSpec c : job.calls()) calls.put(c.name(), CallStatus.QUEUED);
        this.callNames = job.calls().stream().map(CallSpec::name).toList();
        this.printer = new Thread(this::print, "andon-cli-display");
        printer.setDaemon(true);
        printer.start();
    }

    @Override
    public void onEvent(RunEvent event) {
        event.accept(knowing);
        enqueue(new Line(event.at(), event, null));
    }

    /**
     * A line to print among the events, in the order of {@code at}: {@code text} is called once, on
     * the printer's thread, and gives the whole line with its end. Once the run's last event was
     * shown nothing more is printed: then this returns {@code false} and the caller prints it.
     */
    boolean note(Instant at, java.util.function.Supplier<String> text) {
        return enqueue(new Line(at, null, text));
    }

    private boolean enqueue(Line line) {
        synchronized (closing) {
            if (closed) return false;
            queue.add(line);
            return true;
        }
    }

    /** Keeps what {@link #knownSoFar} tells, on the run's actor thread, as each event comes. */
    private final RunEvent.Visitor<Void> knowing = new RunEvent.Visitor<>() {
        @Override
        public Void runStarted(RunEvent.RunStarted e) {
            knownStart = e;
            return null;
        }

        @Override
        public Void callStarted(RunEvent.CallStarted e) {
            known.put(e.call(), CallReport.live(e.call(), CallStatus.RUNNING, e.attempt(), e.at(), e.thread(), null));
            return null;
        }

        @Override
        public Void callProgressed(RunEvent.CallProgressed e) {
            return null;
        }

        @Override
        public Void callHeartbeat(RunEvent.CallHeartbeat e) {
            return null;
        }

        @Override
        public Void callOutput(RunEvent.CallOutput e) {
            return null;
        }

        @Override
        public Void callOutputSkipped(RunEvent.CallOutputSkipped e) {
            return null;
        }

        @Override
        public Void abortRequested(RunEvent.AbortRequested e) {
            return null;
        }

        @Override
        public Void callFinished(RunEvent.CallFinished e) {
            known.put(e.report().name(), e.report());
            return null;
        }

        @Override
        public Void runFinished(RunEvent.RunFinished e) {
            return null;
        }

        @Override
        public Void runRejected(RunEvent.RunRejected e) {
            return null;
        }
    };

    /**
     * What is known of the run now, without waiting for anything: the reports of the calls that
     * finished, the others as {@code ABORTING} (started) or {@code QUEUED}; the run {@code ABORTING}.
     */
    RunReport knownSoFar(String abortReason) {
        RunEvent.RunStarted start = knownStart;
        java.util.List<CallReport> reports = new java.util.ArrayList<>();
        for (String name : callNames) {
            CallReport c = known.get(name);
            if (c == null) reports.add(CallReport.live(name, CallStatus.QUEUED, 0, null, null, null));
            else if (!c.status().isFinal())
                reports.add(CallReport.live(name, CallStatus.ABORTING, c.attempts(), c.startedAt(), c.thread(), null));
            else reports.add(c);
        }
        return new RunReport(start == null ? "" : start.runId(), job, dev.andon.run.RunStatus.ABORTING, null,
                abortReason, start == null ? null : start.at(), null, null, reports, null);
    }

    /** Waits until the run's last event was shown, or {@code timeout} passed. */
    void awaitShown(Duration timeout) throws InterruptedException {
        printer.join(Math.max(1, timeout.toMillis()));
    }

    private void print() {
        java.util.PriorityQueue<Line> held = new java.util.PriorityQueue<>(IN_TIME_ORDER);
        java.util.List<Line> arrived = new java.util.ArrayList<>();
        boolean ended = false;
        try {
            while (!ended) {
                long wait = TimeUnit.MILLISECONDS.toNanos(REDRAW_MILLIS);
                if (!held.isEmpty()) wait = Math.min(wait, Math.max(0, held.peek().arrivedNanos + delayNanos - System.nanoTime()));
                Line first = queue.poll(wait, TimeUnit.NANOSECONDS);
                if (first != null) arrived.add(first);
                queue.drainTo(arrived);
                ended = takeIn(arrived, held);
                // The earliest line goes once it has waited its delay; those behind it in time wait for it.
                long now = System.nanoTime();
                while (!held.isEmpty() && (ended || held.peek().arrivedNanos + delayNanos - now <= 0)) show(held.poll());
                if (live && startedAt != null && !ended) drawStatus();
            }
            // What was noted after the run's last event (its end's own log lines) is printed too.
            synchronized (closing) {
                closed = true;
            }
            queue.drainTo(arrived);
            takeIn(arrived, held);
            while (!held.isEmpty()) show(held.poll());
            if (live && statusShown) err.print("\r\033[K");
            err.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Moves {@code arrived} into {@code held}; {@code true} if the run's last event is among them. */
    private boolean takeIn(java.util.List<Line> arrived, java.util.PriorityQueue<Line> held) {
        boolean ends = false;
        long now = System.nanoTime();
        for (Line line : arrived) {
            line.arrivedNanos = now;
            line.seq = arrivals++;
            held.add(line);
            ends |= line.event != null && line.event.endsRun();
        }
        arrived.clear();
        return ends;
    }

    private void show(Line line) {
        if (line.event != null) {
            show(line.event);
            return;
        }
        String text;
        try {
            text = line.text.get();
        } catch (RuntimeException e) {
            text = "andon: a log line could not be shown: " + e + System.lineSeparator();
        }
        if (live && statusShown) err.print("\r\033[K");
        err.print(text);
        statusShown = false;
        if (live) drawStatus();
        err.flush();
    }

    private void show(RunEvent event) {
        // On a terminal only what a person watching would want to know gets a line of its own.
        boolean notable = event.accept(tracker) || !live;
        String line = describe(event);
        if (line != null && notable) {
            if (live && statusShown) err.print("\r\033[K");
            err.println(TIME.format(event.at()) + " " + line);
            statusShown = false;
        }
        if (live) drawStatus();
        err.flush();
    }

    private void drawStatus() {
        if (startedAt == null) return;
        Map<CallStatus, Integer> counts = new EnumMap<>(CallStatus.class);
        for (CallStatus s : calls.values()) counts.merge(s, 1, Integer::sum);
        StringBuilder line = new StringBuilder("\r\033[K").append(job).append(' ').append(runId).append("  ")
                .append(String.format(Locale.ROOT, "%.1fs", Duration.between(startedAt, Instant.now()).toMillis() / 1000.0));
        counts.forEach((status, n) -> line.append("  ").append(status.name().toLowerCase(Locale.ROOT)).append(' ').append(n));
        err.print(line);
        err.flush();
        statusShown = true;
    }

    /**
     * Keeps the status line's counts, on the printer thread; answers whether the event is one a
     * person watching a terminal would want a line for.
     */
    private final RunEvent.Visitor<Boolean> tracker = new RunEvent.Visitor<>() {
        @Override
        public Boolean runStarted(RunEvent.RunStarted e) {
            startedAt = e.at();
            runId = e.runId();
            return false;
        }

        @Override
        public Boolean callStarted(RunEvent.CallStarted e) {
            calls.put(e.call(), CallStatus.RUNNING);
            return false;
        }

        @Override
        public Boolean callProgressed(RunEvent.CallProgressed e) {
            return false;
        }

        // A command's output is the service's to stream; the terminal keeps to the run's story.
        @Override
        public Boolean callOutput(RunEvent.CallOutput e) {
            return false;
        }

        @Override
        public Boolean callOutputSkipped(RunEvent.CallOutputSkipped e) {
            return false;
        }

        @Override
        public Boolean callHeartbeat(RunEvent.CallHeartbeat e) {
            return false;
        }

        @Override
        public Boolean abortRequested(RunEvent.AbortRequested e) {
            calls.replaceAll((name, status) -> status == CallStatus.RUNNING ? CallStatus.ABORTING : status);
            return true;
        }

        @Override
        public Boolean callFinished(RunEvent.CallFinished e) {
            CallStatus status = e.report().status();
            calls.put(e.report().name(), status);
            return status != CallStatus.SUCCEEDED && status != CallStatus.ABORTED && status != CallStatus.CANCELLED;
        }

        @Override
        public Boolean runFinished(RunEvent.RunFinished e) {
            return true;
        }

        @Override
        public Boolean runRejected(RunEvent.RunRejected e) {
            return true;
        }
    };

    /** One event as a line of text (without its time). */
    static String describe(RunEvent event) {
        return event.accept(DESCRIBE);
    }

    private static final RunEvent.Visitor<String> DESCRIBE = new RunEvent.Visitor<>() {
        @Override
        public String runStarted(RunEvent.RunStarted e) {
            return "run " + e.runId() + " started: job " + e.job() + ", " + e.calls() + (e.calls() == 1 ? " call" : " calls");
        }

        @Override
        public String callStarted(RunEvent.CallStarted e) {
            return e.call() + " RUNNING attempt " + e.attempt() + " on " + e.thread();
        }

        @Override
        public String callProgressed(RunEvent.CallProgressed e) {
            return e.call() + " progress: " + e.message();
        }

        @Override
        public String callOutput(RunEvent.CallOutput e) {
            return e.call() + " " + e.stream() + ": " + e.line();
        }

        @Override
        public String callOutputSkipped(RunEvent.CallOutputSkipped e) {
            return e.call() + " output: " + e.lines() + " lines not shown (over the events' limit)";
        }

        @Override
        public String callHeartbeat(RunEvent.CallHeartbeat e) {
            return e.call() + " heartbeat";
        }

        @Override
        public String abortRequested(RunEvent.AbortRequested e) {
            return "run " + e.runId() + " ABORTING: " + e.reason();
        }

        @Override
        public String callFinished(RunEvent.CallFinished e) {
            return describe(e.report());
        }

        @Override
        public String runFinished(RunEvent.RunFinished e) {
            RunReport r = e.report();
            String why = r.cause() != null ? ": " + (r.cause().call() != null ? r.cause().call() + " " : "") + r.cause().error()
                    : r.abortReason() != null && r.status() != dev.andon.run.RunStatus.SUCCEEDED ? ": " + r.abortReason() : "";
            return "run " + r.id() + " " + r.status() + " in " + millis(r.durationMillis()) + why;
        }

        @Override
        public String runRejected(RunEvent.RunRejected e) {
            return "run " + e.runId() + " rejected: " + e.reason();
        }
    };

    /** A finished call in one line: {@code c2 FAILED java.lang.IllegalStateException: don't like 2}. */
    static String describe(CallReport c) {
        StringBuilder line = new StringBuilder(c.name()).append(' ').append(c.status());
        if (c.status() == CallStatus.ABANDONED) {
            line.append(" still running on ").append(c.thread());
        } else if (c.error() != null) {
            line.append(' ').append(c.error());
        } else if (c.result() != null) {
            line.append(" -> ").append(c.result());
        }
        if (c.abortToAckMillis() != null) {
            line.append(c.status() == CallStatus.ABANDONED ? " (given up " : " (acked ")
                    .append(ackTime(c)).append(" after the abort)");
        }
        return line.toString();
    }

    /** A call's abort-to-ack as a person reads it: below 10 ms to a tenth ({@code 0.3 ms}), else in whole ms; {@code -} for none. */
    static String ackTime(CallReport c) {
        Long micros = c.abortToAckMicros();
        if (micros != null && micros < 10_000) return String.format(Locale.ROOT, "%.1f ms", micros / 1000.0);
        return millis(c.abortToAckMillis());
    }

    static String millis(Long ms) {
        return ms == null ? "-" : ms + " ms";
    }
}
