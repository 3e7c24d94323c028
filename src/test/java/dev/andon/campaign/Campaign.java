package dev.andon.campaign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.RunHandle;
import dev.andon.call.AbortedException;
import dev.andon.call.BlockingCall;
import dev.andon.call.CommandCall;
import dev.andon.call.WorkContext;
import dev.andon.run.AndonStats;
import dev.andon.run.CallReport;
import dev.andon.run.CallSpec;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RetryPolicy;
import dev.andon.run.RunEvent;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Runs campaign scenarios against a real Andon and checks, for every run, the engine's
 * invariants: every call has exactly one outcome and it is the truth (against what the call itself
 * recorded on its thread); the report arrives; the run's cause is its first real failure; a
 * shut-down system terminates within grace plus margin and leaves no thread but abandoned ones.
 * Logging invariants (nothing at WARN/ERROR beyond the expected, no dead letters) are checked by
 * the callers, across many runs.
 */
public final class Campaign {
    static final Duration MARGIN = Duration.ofSeconds(2);
    private static final AtomicInteger systems = new AtomicInteger();

    /** Totals over a campaign, for its closing figures. */
    public static final class Totals {
        final AtomicInteger runs = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
        final Map<CallStatus, AtomicInteger> byStatus = new java.util.concurrent.ConcurrentHashMap<>();
        final Map<RunStatus, AtomicInteger> runsByStatus = new java.util.concurrent.ConcurrentHashMap<>();
        final AtomicInteger shutdowns = new AtomicInteger();

        void count(RunReport r) {
            runs.incrementAndGet();
            runsByStatus.computeIfAbsent(r.status(), s -> new AtomicInteger()).incrementAndGet();
            for (CallReport c : r.calls()) {
                calls.incrementAndGet();
                byStatus.computeIfAbsent(c.status(), s -> new AtomicInteger()).incrementAndGet();
            }
        }

        @Override
        public String toString() {
            return runs + " runs (" + runsByStatus + "), " + calls + " calls (" + byStatus + "), " + shutdowns
                    + " system shutdowns";
        }
    }

    private Campaign() {
    }

    /** A new Andon for the campaign, its blocking threads named {@code <prefix>-N}. */
    public static Andon startAndon(String prefix) {
        Config config = ConfigFactory.parseString(
                "andon.blocking-dispatcher.pool-size = 32\n"
                        + "andon.blocking-dispatcher.thread-name-prefix = \"" + prefix + "\"\n"
                        + "andon.shutdown.margin = " + MARGIN.toMillis() + "ms\n")
                .withFallback(ConfigFactory.load());
        return Andon.start(config, "campaign-" + systems.incrementAndGet());
    }

    /**
     * Runs {@code s} on {@code shared}, or on a fresh Andon when the scenario shuts its system down,
     * and checks every invariant.
     *
     * @param strictProcesses check that this JVM has no child process left after the run (only
     *                        when no other run is going on at the same time)
     */
    public static RunReport runAndCheck(Scenario s, Andon shared, boolean strictProcesses, Totals totals) throws Exception {
        boolean ownSystem = s.outside() == Scenario.Outside.SHUTDOWN;
        String prefix = ownSystem ? "cmp" + systems.get() + "x" + System.nanoTime() + "-blocking" : null;
        Andon andon = ownSystem ? startAndon(prefix) : shared;
        Map<String, Journal> journals = new java.util.concurrent.ConcurrentHashMap<>();
        JobSpec job = job(s, journals);
        List<RunEvent> events = Collections.synchronizedList(new ArrayList<>());
        RunHandle handle = andon.submit(job, events::add);
        long submitted = System.nanoTime();
        if (s.outside() != Scenario.Outside.NONE) {
            Thread.sleep(s.outsideAtMillis());
            if (s.outside() == Scenario.Outside.ABORT) andon.abort(handle.id(), "campaign abort");
            else andon.shutdown();
        }
        RunReport report;
        try {
            report = handle.report().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // Only a shutdown before the guardian saw the run may refuse it; nothing ran then.
            assertTrue(ownSystem, "a run was refused without a shutdown: " + e.getCause());
            journals.values().forEach(j -> assertEquals(0, j.started.get(), "a refused run's call ran"));
            andon.whenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            return null;
        }
        try {
            check(s, report, journals, events);
            if (strictProcesses) {
                awaitAbandoned(journals, report);
                assertNoChildProcesses(report);
            }
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n  " + s + "\n  report: " + report + "\n  journals: " + journals, e);
        }
        if (ownSystem) {
            totals.shutdowns.incrementAndGet();
            checkTermination(s, andon, prefix, submitted);
        }
        totals.count(report);
        return report;
    }

    static JobSpec job(Scenario s, Map<String, Journal> journals) {
        JobSpec.Builder b = JobSpec.builder("campaign").failurePolicy(s.policy()).maxParallelism(s.maxParallelism())
                .abortGrace(Duration.ofMillis(s.graceMillis()));
        if (s.deadlineMillis() > 0) b.deadline(Duration.ofMillis(s.deadlineMillis()));
        for (CallPlan p : s.calls()) {
            Journal j = new Journal();
            journals.put(p.name(), j);
            CallSpec spec = CallSpec.of(p.name(), recorded(p, j));
            if (p.timeoutMillis() > 0) spec = spec.withTimeout(Duration.ofMillis(p.timeoutMillis()));
            if (p.attempts() > 1) spec = spec.withRetry(new RetryPolicy(p.attempts(), Duration.ofMillis(2),
                    Duration.ofMillis(10), List.of()));
            b.call(spec);
        }
        return b.build();
    }

    /** The plan's behaviour, wrapped so that it records what happened on its thread. */
    private static BlockingCall<String> recorded(CallPlan p, Journal j) {
        BlockingCall<String> body = behaviour(p, j);
        return ctx -> {
            j.started.incrementAndGet();
            j.callThreads.add(Thread.currentThread().getName());
            try {
                String r = body.call(ctx);
                j.lastReturned = true;
                return r;
            } catch (Throwable t) {
                j.lastSawAbortWhenItThrew = ctx.abortRequested();
                j.lastReturned = false;
                throw t;
            } finally {
                j.ended.incrementAndGet();
            }
        };
    }

    private static BlockingCall<String> behaviour(CallPlan p, Journal j) {
        Function<WorkContext, Runnable> countingHook = ctx -> () -> {
            j.hookRuns.incrementAndGet();
            j.hookThreads.add(Thread.currentThread().getName());
        };
        return switch (p.behaviour()) {
            case SUCCEED -> ctx -> {
                work(ctx, p.millis());
                return "ok";
            };
            case FAIL -> ctx -> {
                work(ctx, p.millis());
                throw new IllegalStateException("planned failure of " + p.name());
            };
            case FLAKY -> ctx -> {
                work(ctx, p.millis());
                if (ctx.attempt() <= p.failures()) throw new IOException("flaky attempt " + ctx.attempt());
                return "ok on " + ctx.attempt();
            };
            case DEAF -> ctx -> {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(p.millis());
                long noticed = 0;
                while (System.nanoTime() < end) {
                    if (noticed == 0 && ctx.abortRequested()) noticed = System.nanoTime();
                    if (noticed != 0 && System.nanoTime() - noticed >= TimeUnit.MILLISECONDS.toNanos(p.deafMillis()))
                        throw new AbortedException("noticed late");
                    sleepDeaf(1);
                }
                return "deaf done";
            };
            case HOOK_THROWS -> ctx -> {
                ctx.onAbort(countingHook.apply(ctx));
                ctx.onAbort(() -> { throw new IllegalStateException("planned hook failure"); });
                work(ctx, p.millis());
                return "ok";
            };
            case SWALLOW_INTERRUPT -> ctx -> {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(p.millis());
                while (System.nanoTime() < end) {
                    if (ctx.abortRequested()) throw new AbortedException("polled");
                    sleepDeaf(1);
                }
                return "ok";
            };
            case FINISH_ON_ABORT -> ctx -> {
                CountDownLatch aborted = new CountDownLatch(1);
                ctx.onAbort(countingHook.apply(ctx));
                ctx.onAbort(aborted::countDown);
                try {
                    aborted.await(p.millis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    // returns normally all the same: its result must be kept
                }
                return "finished";
            };
            case PROCESS -> {
                CommandCall command = new CommandCall(List.of("sleep", String.valueOf(p.millis() / 1000.0)), Map.of(),
                        (Path) null, Duration.ofMillis(500), 4096);
                yield command::call;
            }
        };
    }

    private static void work(WorkContext ctx, int millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            ctx.checkpoint();
            Thread.sleep(1);
        }
        ctx.checkpoint();
    }

    private static void sleepDeaf(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            // deaf on purpose
        }
    }

    static void check(Scenario s, RunReport r, Map<String, Journal> journals, List<RunEvent> events) {
        // Exactly one outcome per call, in the job's order.
        assertEquals(s.calls().stream().map(CallPlan::name).toList(), r.calls().stream().map(CallReport::name).toList());
        assertTrue(r.status().isFinal());
        for (int i = 0; i < s.calls().size(); i++) checkCall(s, s.calls().get(i), r.calls().get(i), journals.get(s.calls().get(i).name()), r);

        long failures = r.calls().stream().filter(Campaign::countsAsFailure).count();
        switch (r.status()) {
            case SUCCEEDED -> {
                assertNull(r.cause());
                assertTrue(r.calls().stream().allMatch(c -> c.status() == CallStatus.SUCCEEDED), "SUCCEEDED run with a call that did not");
            }
            case FAILED -> {
                assertNotNull(r.cause(), "FAILED run without a cause");
                if (r.cause().call() == null) {
                    assertTrue(s.deadlineMillis() > 0 && r.cause().error().startsWith("deadline exceeded"), r.cause().toString());
                } else {
                    // The cause is the first real failure in time: no failure ended before it,
                    // whichever the supervisor heard of first (a sibling's news, or a timeout's ack,
                    // can reach it after a later failure's thread pulled the cord). A cause whose end
                    // is unknown (ABANDONED) was the first heard of.
                    CallReport named = r.call(r.cause().call());
                    assertTrue(countsAsFailure(named));
                    if (named.finishedAt() != null) {
                        for (CallReport f : r.calls())
                            if (countsAsFailure(f) && f.finishedAt() != null)
                                assertFalse(f.finishedAt().isBefore(named.finishedAt()),
                                        "the cause " + named.name() + " ended after " + f.name() + ", another failure");
                    } else {
                        String first = events.stream().filter(e -> e instanceof RunEvent.CallFinished f && countsAsFailure(f.report()))
                                .map(e -> ((RunEvent.CallFinished) e).report().name()).findFirst().orElse(null);
                        assertEquals(first, named.name(), "a cause with no end that was not the first failure heard of");
                    }
                }
            }
            case ABORTED -> {
                assertTrue(s.outside() != Scenario.Outside.NONE, "ABORTED without anyone aborting it");
                assertNull(r.cause());
            }
            default -> fail("live status in a final report: " + r.status());
        }
        if (s.outside() == Scenario.Outside.NONE && s.deadlineMillis() == 0)
            assertEquals(failures > 0 ? RunStatus.FAILED : RunStatus.SUCCEEDED, r.status());
        if (r.abortReason() == null)
            assertTrue(r.calls().stream().noneMatch(c -> c.status() == CallStatus.ABORTED || c.status() == CallStatus.CANCELLED),
                    "ABORTED or CANCELLED calls in a run nobody aborted");
        // One RunStarted first, one RunFinished last, one CallFinished per call.
        assertTrue(events.get(0) instanceof RunEvent.RunStarted);
        assertTrue(events.get(events.size() - 1) instanceof RunEvent.RunFinished);
        assertEquals(s.calls().size(), events.stream().filter(e -> e instanceof RunEvent.CallFinished).count());
        // Per call: started before it progresses, and nothing after it finished.
        Map<String, String> phase = new java.util.HashMap<>();
        for (RunEvent e : events) {
            if (e instanceof RunEvent.CallStarted c) {
                assertTrue(!"finished".equals(phase.get(c.call())), "started after finished: " + c.call());
                phase.put(c.call(), "started");
            } else if (e instanceof RunEvent.CallProgressed c) {
                assertEquals("started", phase.get(c.call()), "progress outside started..finished: " + c.call());
            } else if (e instanceof RunEvent.CallFinished c) {
                assertTrue(!"finished".equals(phase.get(c.report().name())), "finished twice: " + c.report().name());
                phase.put(c.report().name(), "finished");
            }
        }
    }

    /** FAILED, TIMED_OUT, or ABANDONED after its own timeout : what makes a run fail. */
    static boolean countsAsFailure(CallReport c) {
        return c.status().isFailure() || c.status() == CallStatus.ABANDONED && c.error() != null
                && c.error().startsWith("java.util.concurrent.TimeoutException");
    }

    private static void checkCall(Scenario s, CallPlan p, CallReport c, Journal j, RunReport r) {
        String who = p.name() + " (" + p.behaviour() + ", " + c.status() + ", " + j + ")";
        assertTrue(c.status().isFinal(), who);
        assertEquals(j.started.get(), c.attempts(), "attempts of " + who);
        if (c.status() != CallStatus.ABANDONED)
            assertEquals(j.started.get(), j.ended.get(), "acknowledged while still running: " + who);
        assertTrue(j.hookRuns.get() <= j.started.get(), "a hook ran more than once per attempt: " + who);
        for (String t : j.hookThreads) assertFalse(j.callThreads.contains(t), "a hook ran on a call thread: " + who);
        switch (c.status()) {
            case SUCCEEDED -> assertTrue(j.lastReturned, who);
            case FAILED -> {
                assertTrue(j.started.get() >= 1 && !j.lastReturned, who);
                assertFalse(j.lastSawAbortWhenItThrew, "FAILED although it saw the abort before it threw: " + who);
            }
            case ABORTED -> {
                assertNotNull(r.abortReason(), who);
                assertTrue(j.started.get() >= 1 && !j.lastReturned, who);
                assertNotNull(c.abortToAckMillis(), who);
            }
            case TIMED_OUT -> {
                assertTrue(p.timeoutMillis() > 0, "TIMED_OUT without a timeout: " + who);
                assertTrue(j.started.get() == 0 || !j.lastReturned, who);
            }
            case CANCELLED -> {
                assertEquals(0, j.started.get(), "CANCELLED but it ran: " + who);
                assertNotNull(r.abortReason(), who);
            }
            case ABANDONED -> {
                // A deaf call, or a process tree that took longer than the grace to stop (a loaded
                // machine scanning /proc); never a call that stops when asked.
                assertTrue(p.behaviour() == CallPlan.Behaviour.DEAF || p.behaviour() == CallPlan.Behaviour.PROCESS,
                        "only a deaf call may be abandoned: " + who);
                assertNotNull(c.thread(), who);
                assertNotNull(c.stackTrace(), who);
            }
            default -> fail("live status " + who);
        }
        if (p.behaviour() == CallPlan.Behaviour.FLAKY && r.abortReason() == null && p.timeoutMillis() == 0
                && p.attempts() > p.failures())
            assertEquals(CallStatus.SUCCEEDED, c.status(), "a retried call did not recover: " + who);
    }

    /** Abandoned calls end eventually; their processes are gone only then. */
    private static void awaitAbandoned(Map<String, Journal> journals, RunReport r) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (CallReport c : r.calls()) {
            if (c.status() != CallStatus.ABANDONED) continue;
            Journal j = journals.get(c.name());
            while (j.ended.get() < j.started.get() && System.nanoTime() < deadline) Thread.sleep(5);
        }
    }

    private static void assertNoChildProcesses(RunReport r) {
        List<ProcessHandle> alive = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
        assertEquals(List.of(), alive.stream().map(h -> h.pid() + " " + h.info().commandLine().orElse("?")).toList(),
                "child processes outlived their calls' acks");
    }

    private static void checkTermination(Scenario s, Andon andon, String prefix, long submitted) throws Exception {
        long bound = s.graceMillis() + MARGIN.toMillis() + s.outsideAtMillis() + 5_000;
        andon.whenTerminated().toCompletableFuture().get(bound, TimeUnit.MILLISECONDS);
        AndonStats stats = AndonStats.get(andon.system());
        // After termination no blocking thread survives but those held by abandoned calls.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        long alive;
        do {
            alive = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix + "-") && t.isAlive()).count();
            if (alive <= stats.abandonedRunning()) return;
            Thread.sleep(10);
        } while (System.nanoTime() < deadline);
        Set<String> names = new java.util.TreeSet<>();
        Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix + "-")).forEach(t -> names.add(t.getName() + ":" + t.getState()));
        fail(alive + " blocking threads alive after termination, " + stats.abandonedRunning() + " abandoned: " + names);
    }
}
