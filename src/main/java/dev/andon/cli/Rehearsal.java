package dev.andon.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.RunHandle;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rehearsal of a run's end, in a throwaway Andon, while {@code andon run}'s own calls run.
 *
 * <h2>Why</h2>
 * In a fresh JVM the first abort and, above all, the first shutdown of an actor system run cold:
 * Akka's CoordinatedShutdown, the actors' termination and the scheduler's close load some 150
 * classes and link some 40 lambdas, interpreted, while the JIT compiler takes one of the two cores.
 * That cost fell between the failing call's exit and the process's exit: about 35 of
 * {@code CliFailToExitBench}'s 135 ms. Paid here, it is paid while the calls block, on cores that
 * are idle then.
 *
 * <h2>What</h2>
 * A second Andon, named {@value #SYSTEM_NAME}, with the same configuration (so the same
 * dispatchers and the same code), runs a three-call job in process: {@code fails} throws once its
 * two siblings are running, {@code sleeps} is interrupted, {@code hooked} stops through its abort
 * hook. Then the Andon shuts down through CoordinatedShutdown and its system terminates. No
 * process, file, socket or output: the only effect is code that has run once. Its threads are
 * named {@code andon-rehearsal-*}.
 *
 * <p>It begins {@code andon.cli.rehearse-after} (200 ms) into the run, so that a run that ends
 * sooner has nothing to wait for and the rehearsal does not compete with the calls' start, and it
 * costs a fraction of a second of CPU then. {@code andon.cli.rehearse = off}: nothing is rehearsed.
 *
 * <h2>Ending early</h2>
 * {@link #finish()} is called once the real run has reported, before the real Andon shuts down:
 * a rehearsal still under way skips what it has not begun, aborts its run if that is live, and
 * always shuts its Andon down before {@code finish} returns. A rehearsal that fails (our bug) is
 * logged at WARN and changes nothing for the real run.
 */
final class Rehearsal {
    static final String SYSTEM_NAME = "andon-rehearsal";
    private static final Logger log = LoggerFactory.getLogger(Rehearsal.class);
    /** The rehearsal job's abort grace: its calls stop at once, this only bounds {@link #finish()}. */
    private static final Duration GRACE = Duration.ofSeconds(2);
    /** How long {@code fails} waits for its siblings to be running before failing anyway. */
    private static final long SIBLINGS_WAIT_MILLIS = 2_000;

    private final Thread thread;
    private final Duration delay;
    private final Duration shutdownMargin;
    private final CountDownLatch finishing = new CountDownLatch(1); // open until finish() is called
    private volatile Andon andon;
    private volatile RunHandle run;
    private volatile RunReport report;

    private Rehearsal(Config config) {
        delay = config.getDuration("andon.cli.rehearse-after");
        shutdownMargin = config.getDuration("andon.shutdown.margin");
        thread = new Thread(() -> rehearse(config), SYSTEM_NAME);
        thread.setDaemon(true);
    }

    /** Starts a rehearsal in the background if {@code andon.cli.rehearse} is on; else null. */
    static Rehearsal startIfEnabled(Config config) {
        if (!config.getBoolean("andon.cli.rehearse")) return null;
        Rehearsal r = new Rehearsal(config);
        r.thread.start();
        return r;
    }

    /**
     * Ends the rehearsal: waits for it if it is under way (cutting it short), bounded by its job's
     * grace plus twice {@code andon.shutdown.margin} (its run's end, then its shutdown). Its Andon
     * has terminated when this returns, unless the bound passed (then a WARN says so).
     */
    void finish() throws InterruptedException {
        finishing.countDown();
        Andon a = andon;
        RunHandle h = run;
        if (a != null && h != null) a.abort(h.id(), "rehearsal cut short");
        Duration bound = GRACE.plus(shutdownMargin).plus(shutdownMargin);
        thread.join(bound.toMillis());
        if (thread.isAlive()) log.warn("the rehearsal did not end within {}; going on without it", bound);
    }

    /** The rehearsal's report, once it has one. */
    Optional<RunReport> report() {
        return Optional.ofNullable(report);
    }

    /** Whether its Andon was started (not so when the run ended within the delay). */
    boolean startedAndon() {
        return andon != null;
    }

    /** Whether it is over: its thread has ended and its Andon, if any, has terminated. */
    boolean ended() {
        Andon a = andon;
        return !thread.isAlive() && (a == null || a.whenTerminated().toCompletableFuture().isDone());
    }

    private void rehearse(Config config) {
        Andon a = null;
        try {
            // A run that ends within the delay has no rehearsal to wait for.
            if (finishing.await(delay.toNanos(), TimeUnit.NANOSECONDS)) return;
            a = Andon.start(ownConfig(config), SYSTEM_NAME);
            andon = a;
            if (cutShort()) return;
            RunHandle h = a.submit(job());
            run = h;
            // Cut short between the submit and the line above: finish() may not have seen the run.
            if (cutShort()) a.abort(h.id(), "rehearsal cut short");
            report = h.report().toCompletableFuture().join();
        } catch (InterruptedException e) {
            // Not interrupted by us; nothing has started that the finally does not stop.
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.warn("the rehearsal of a run's end failed; the run is not affected", e);
        } finally {
            if (a != null) {
                try {
                    a.close();
                } catch (RuntimeException e) {
                    log.warn("the rehearsal's Andon did not shut down cleanly", e);
                }
            }
        }
    }

    private boolean cutShort() {
        return finishing.getCount() == 0;
    }

    /**
     * The real configuration, with the rehearsal's own thread names, a pool its job fits, and a
     * shutdown that only ever terminates its own actor system (never the JVM, whatever the
     * deployment's {@code akka.coordinated-shutdown} says).
     */
    static Config ownConfig(Config config) {
        return ConfigFactory.parseMap(Map.of(
                "akka.coordinated-shutdown.exit-jvm", "off",
                "akka.coordinated-shutdown.terminate-actor-system", "on",
                "andon.blocking-dispatcher.pool-size", 3,
                "andon.blocking-dispatcher.thread-name-prefix", SYSTEM_NAME + "-blocking",
                "andon.abort-hook-dispatcher.thread-name-prefix", SYSTEM_NAME + "-abort-hook")).withFallback(config);
    }

    private static JobSpec job() {
        CountDownLatch running = new CountDownLatch(2);
        return JobSpec.builder("rehearsal")
                .abortGrace(GRACE)
                .maxParallelism(3)
                .call("fails", ctx -> {
                    running.await(SIBLINGS_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                    throw new IllegalStateException("the rehearsal's failing call");
                })
                .call("sleeps", ctx -> {
                    running.countDown();
                    Thread.sleep(60_000); // interrupted by the abort
                    return null;
                })
                .call("hooked", ctx -> {
                    CompletableFuture<Void> aborted = new CompletableFuture<>();
                    ctx.onAbort(() -> aborted.complete(null));
                    running.countDown();
                    aborted.get(60, TimeUnit.SECONDS);
                    ctx.checkpoint(); // throws: the abort was requested
                    return null;
                })
                .build();
    }
}
