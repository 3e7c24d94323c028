package dev.andon.run;

import akka.actor.Cancellable;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Scheduler;
import akka.dispatch.ExecutionContexts;
import java.time.Duration;
import java.util.Objects;
import scala.concurrent.ExecutionContext;

/**
 * Schedules a message (or a quick task) after any delay Andon accepts, however long.
 *
 * <p>Akka's scheduler refuses a delay of more than {@code Integer.MAX_VALUE} ticks (its
 * {@code scheduleOnce} throws {@code IllegalArgumentException}): about 248 days at Akka's 10 ms
 * tick, about 24.8 days at {@code andon run}'s 1 ms. Durations in a job (a {@code deadline},
 * {@code timeout}, {@code abort-grace}, {@code retry.backoff}) may be up to the 292 years that
 * HOCON can express, so a delay longer than one step is scheduled as a chain of steps, each
 * armed when the one before it elapses; only the last sends the message (runs the task). The delay is measured
 * from the call on {@link System#nanoTime()}, so the steps do not add up their own lateness.
 *
 * <h2>Threading</h2>
 * Thread-safe. The message is sent (the task run) on the scheduler's thread, as
 * {@code ActorContext.scheduleOnce} does. {@link Cancellable#cancel()} may be called from any
 * thread; once it has returned, the message is not sent (unless it had been sent already).
 */
public final class SteppedTimer {
    // On the scheduler's own thread, as ActorContext.scheduleOnce does: a tell, or arming the next
    // step, needs no thread of its own.
    private static final ExecutionContext SAME_THREAD = ExecutionContexts.fromExecutor(Runnable::run);

    private final Scheduler scheduler;
    private final Duration step;

    /**
     * @param scheduler where the steps are scheduled
     * @param step      the longest delay given to {@code scheduler} at once; positive
     */
    public SteppedTimer(Scheduler scheduler, Duration step) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (step.isNegative() || step.isZero()) throw new IllegalArgumentException("step must be positive: " + step);
        this.step = step;
    }

    /** A timer on {@code system}'s scheduler, in steps of half the longest delay that scheduler takes. */
    public static SteppedTimer of(ActorSystem<?> system) {
        return new SteppedTimer(system.scheduler(), longestStep(system.classicSystem().scheduler().maxFrequency()));
    }

    /**
     * Half the longest delay a scheduler of {@code maxFrequency} ticks a second accepts
     * ({@code Integer.MAX_VALUE} ticks): half, so that rounding up to whole ticks never reaches it.
     */
    static Duration longestStep(double maxFrequency) {
        double tickNanos = 1e9 / maxFrequency;
        return Duration.ofNanos((long) Math.min(Long.MAX_VALUE / 2.0, tickNanos * Integer.MAX_VALUE / 2));
    }

    /** The longest delay given to the scheduler at once. */
    public Duration step() {
        return step;
    }

    /**
     * Sends {@code message} to {@code target} once {@code delay} has passed.
     *
     * @param delay not negative; any length
     * @return cancels the timer
     */
    public <T> Cancellable scheduleOnce(Duration delay, ActorRef<T> target, T message) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(message, "message");
        return scheduleOnce(delay, () -> target.tell(message));
    }

    /**
     * Runs {@code task} on the scheduler's thread once {@code delay} has passed: it must be quick
     * and must not block (a tell, handing work to an executor).
     *
     * @param delay not negative; any length
     * @return cancels the timer
     */
    public Cancellable scheduleOnce(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        if (delay.compareTo(step) <= 0) return scheduler.scheduleOnce(delay, task, SAME_THREAD);
        Chain chain = new Chain(delay, task);
        chain.arm();
        return chain;
    }

    /** One long timer: the step armed now, re-armed until the whole delay has passed. */
    private final class Chain implements Cancellable {
        private final long startNanos = System.nanoTime();
        private final Duration delay;
        private final Runnable task;
        private Cancellable current; // guarded by this
        private boolean over;        // fired or cancelled; guarded by this
        private boolean cancelled;   // guarded by this

        Chain(Duration delay, Runnable task) {
            this.delay = delay;
            this.task = task;
        }

        // On the caller's thread first, then on the scheduler's as each step elapses.
        void arm() {
            Duration left = delay.minusNanos(System.nanoTime() - startNanos);
            synchronized (this) {
                if (over) return;
                if (left.compareTo(step) > 0) {
                    current = scheduler.scheduleOnce(step, this::arm, SAME_THREAD);
                    return;
                }
                if (left.isNegative() || left.isZero()) {
                    over = true;
                } else {
                    current = scheduler.scheduleOnce(left, this::fire, SAME_THREAD);
                    return;
                }
            }
            task.run();
        }

        private void fire() {
            synchronized (this) {
                if (over) return;
                over = true;
            }
            task.run();
        }

        @Override
        public synchronized boolean cancel() {
            if (over) return false;
            over = true;
            cancelled = true;
            // The step's task may be running already: it finds the chain over and sends nothing.
            if (current != null) current.cancel();
            return true;
        }

        @Override
        public synchronized boolean isCancelled() {
            return cancelled;
        }
    }
}
