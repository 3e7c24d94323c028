package dev.andon.run;

import java.time.Instant;

/**
 * What happens in a run, as told to a {@link RunListener}, in order.
 *
 * <p>A closed family: whoever handles events does so through a {@link Visitor}, which has one
 * method per kind, so a new kind of event is a compile error wherever it is not handled.
 */
public sealed interface RunEvent {
    String runId();

    Instant at();

    /** This kind's own name, as the service's event streams give it ({@code run-started}, ...). */
    String type();

    /** Hands this event to {@code visitor}'s method for its kind; returns what that returns. */
    <R> R accept(Visitor<R> visitor);

    /** Whether this is the run's last event: it finished, or it was refused before it started. */
    boolean endsRun();

    /** Something done with each kind of event. */
    interface Visitor<R> {
        R runStarted(RunStarted e);

        R callStarted(CallStarted e);

        R callProgressed(CallProgressed e);

        R callHeartbeat(CallHeartbeat e);

        R callOutput(CallOutput e);

        R callOutputSkipped(CallOutputSkipped e);

        R abortRequested(AbortRequested e);

        R callFinished(CallFinished e);

        R runFinished(RunFinished e);

        R runRejected(RunRejected e);
    }

    record RunStarted(String runId, Instant at, String job, int calls) implements RunEvent {
        @Override
        public String type() {
            return "run-started";
        }

        @Override
        public boolean endsRun() {
            return false;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.runStarted(this);
        }
    }

    record CallStarted(String runId, Instant at, String call, int attempt, String thread) implements RunEvent {
        @Override
        public String type() {
            return "call-started";
        }

        @Override
        public boolean endsRun() {
            return false;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.callStarted(this);
        }
    }

    record CallProgressed(String runId, Instant at, String call, String message) implements RunEvent {
        @Override
        public String type() {
            return "call-progressed";
        }

        @Override
        public boolean endsRun() {
            return false;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.callProgressed(this);
        }
    }

    /**
     * A call with a {@code heartbeat-timeout} gave a sign of life at {@code at} (a heartbeat, a
     * line of output); told at most once a second per call.
     */
    record CallHeartbeat(String runId, Instant at, String call) implements RunEvent {
        @Override
        public String type() {
            return "call-heartbeat";
        }

        @Override
        public boolean endsRun() {
            return false;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.callHeartbeat(this);
        }
    }

    /** A line of a command call's output on {@code stream} ({@code stdout} or {@code stderr}). */
    record CallOutput(String runId, Instant at, String call, String stream, String line) implements RunEvent {
        @Override
        public String type() {
            return "call-output";
        }

        @Override
        public boolean endsRun() {
            return false;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.callOutput(this);
        }
    }

    /**
     * {@code lines} lines of the call's output were not told, over
     * {@code andon.events.max-output-lines-per-second} (the report's output tails still have them).
     */
    record CallOutputSkipped(String runId, Instant at, String call, long lines) implements RunEvent {
        @Override
        public String type() {
            return "call-output-skipped";
        }

        @Override
        public boolean endsRun() {
            return false;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.callOutputSkipped(this);
        }
    }

    record AbortRequested(String runId, Instant at, String reason) implements RunEvent {
        @Override
        public String type() {
            return "abort-requested";
        }

        @Override
        public boolean endsRun() {
            return false;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.abortRequested(this);
        }
    }

    /** A call reached its outcome; {@code acked} is true when it was one an abort was requested of. */
    record CallFinished(String runId, Instant at, CallReport report, boolean acked) implements RunEvent {
        @Override
        public String type() {
            return "call-finished";
        }

        @Override
        public boolean endsRun() {
            return false;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.callFinished(this);
        }
    }

    record RunFinished(String runId, Instant at, RunReport report) implements RunEvent {
        @Override
        public String type() {
            return "run-finished";
        }

        @Override
        public boolean endsRun() {
            return true;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.runFinished(this);
        }
    }

    /** The run was refused before it started (the system is shutting down). */
    record RunRejected(String runId, Instant at, String reason) implements RunEvent {
        @Override
        public String type() {
            return "run-rejected";
        }

        @Override
        public boolean endsRun() {
            return true;
        }

        @Override
        public <R> R accept(Visitor<R> visitor) {
            return visitor.runRejected(this);
        }
    }
}
