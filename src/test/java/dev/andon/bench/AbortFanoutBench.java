package dev.andon.bench;

import dev.andon.Andon;
import dev.andon.call.AbortedException;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Abort fan-out: {@code k} calls on {@code threads} threads (the rest queued), every running call
 * polling its abort signal every 1 ms; call 0 waits until all {@code threads} are running, then
 * fails. Measured: the time from the failure ({@code System.nanoTime()} just before call 0
 * throws) to the delivery of the run's report (its future completes, on the supervisor's thread).
 * No listener is given, as the baseline has none: the run makes no per-call events.
 *
 * <p>Baseline, in the same JVM: the same calls on a raw {@link ThreadPoolExecutor} of
 * {@code threads} threads, polling {@code Thread.interrupted()} instead; the harness takes the
 * failure from an {@link ExecutorCompletionService}, calls {@code shutdownNow()} (which interrupts
 * the running tasks and drains the queue), and the interval ends when {@code awaitTermination}
 * returns. A fresh pool per repetition, its threads started before the interval.
 *
 * <p>Usage: {@code AbortFanoutBench --k 64 --threads 64 --warmup 30 --reps 200 --out FILE}
 */
public final class AbortFanoutBench {
    private static final long POLL_NANOS = 1_000_000;

    public static void main(String[] args) throws Exception {
        int k = Integer.parseInt(BenchSupport.arg(args, "k", "64"));
        int threads = Integer.parseInt(BenchSupport.arg(args, "threads", "64"));
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup", "30"));
        int reps = Integer.parseInt(BenchSupport.arg(args, "reps", "200"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/abort-fanout-k" + k + ".json"));

        double[] toReport = new double[reps];
        double[] pool = new double[reps];
        double[] andonSignal = new double[reps];
        double[] poolSignal = new double[reps];
        try (Andon andon = BenchSupport.andon(threads, "bench-fanout")) {
            // Interleaved, so that both sides see the same machine state.
            for (int r = -warmup; r < reps; r++) {
                long[] a = andonOnce(andon, k, threads);
                long[] p = poolOnce(k, threads);
                if (r < 0) continue;
                toReport[r] = BenchSupport.millis(a[0]);
                andonSignal[r] = BenchSupport.millis(a[1]);
                pool[r] = BenchSupport.millis(p[0]);
                poolSignal[r] = BenchSupport.millis(p[1]);
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("k", k);
        result.put("threads", threads);
        result.put("max_parallelism", threads);
        result.put("poll_interval_ms", 1);
        result.put("repetitions", reps);
        result.put("warmup_repetitions", warmup);
        result.put("andon_failure_to_report_ms", BenchSupport.stats(toReport));
        result.put("shutdownNow_failure_to_terminated_ms", BenchSupport.stats(pool));
        // Where the interval goes: until the last sibling saw its signal and left its loop, then the way back.
        result.put("andon_failure_to_last_sibling_exit_ms", BenchSupport.stats(andonSignal));
        result.put("shutdownNow_failure_to_last_sibling_exit_ms", BenchSupport.stats(poolSignal));
        BenchSupport.write(out, result);
        System.out.printf("abort fan-out k=%d threads=%d: andon p50 %.3f ms p99 %.3f ms; shutdownNow p50 %.3f ms p99 %.3f ms%n",
                k, threads, BenchSupport.percentile(toReport, 50), BenchSupport.percentile(toReport, 99),
                BenchSupport.percentile(pool, 50), BenchSupport.percentile(pool, 99));
        System.exit(0);
    }

    /** One Andon run; returns {failure→report, failure→last sibling left its loop} in nanos. */
    private static long[] andonOnce(Andon andon, int k, int threads) throws Exception {
        CountDownLatch running = new CountDownLatch(Math.min(k, threads));
        long[] failedAt = new long[1];
        java.util.concurrent.atomic.AtomicLong lastExit = new java.util.concurrent.atomic.AtomicLong();
        JobSpec.Builder b = JobSpec.builder("fanout").maxParallelism(threads).abortGrace(java.time.Duration.ofSeconds(10));
        b.call("c0", ctx -> {
            running.countDown();
            running.await();
            LockSupport.parkNanos(2 * POLL_NANOS); // let the siblings settle into their polling
            failedAt[0] = System.nanoTime();
            throw new IllegalStateException("the one that fails");
        });
        for (int i = 1; i < k; i++)
            b.call("c" + i, ctx -> {
                running.countDown();
                while (!ctx.abortRequested()) LockSupport.parkNanos(POLL_NANOS);
                lastExit.accumulateAndGet(System.nanoTime(), Math::max);
                throw new AbortedException("stopped");
            });
        var handle = andon.submit(b.build());
        // Registered long before call 0 fails (it waits for all its siblings to run), so the stamp
        // is taken on the supervisor's thread as the report is delivered.
        var reported = handle.report().thenApply(r -> System.nanoTime()).toCompletableFuture();
        RunReport report = handle.report().toCompletableFuture().get(60, TimeUnit.SECONDS);
        long end = reported.get(60, TimeUnit.SECONDS);
        check(report, k, threads);
        return new long[] {end - failedAt[0], lastExit.get() - failedAt[0]};
    }

    private static void check(RunReport report, int k, int threads) {
        if (report.status() != RunStatus.FAILED || !"c0".equals(report.cause().call()))
            throw new IllegalStateException("unexpected run: " + report.status() + " " + report.cause());
        long aborted = report.calls().stream().filter(c -> c.status() == CallStatus.ABORTED).count();
        long cancelled = report.calls().stream().filter(c -> c.status() == CallStatus.CANCELLED).count();
        if (aborted != Math.min(k, threads) - 1 || cancelled != k - Math.min(k, threads))
            throw new IllegalStateException("unexpected outcomes: " + aborted + " aborted, " + cancelled + " cancelled");
    }

    /** One raw-pool run; returns {failure→awaitTermination, failure→last sibling left its loop} in nanos. */
    private static long[] poolOnce(int k, int threads) throws Exception {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        pool.prestartAllCoreThreads();
        ExecutorCompletionService<Object> ecs = new ExecutorCompletionService<>(pool);
        CountDownLatch running = new CountDownLatch(Math.min(k, threads));
        long[] failedAt = new long[1];
        ecs.submit(() -> {
            running.countDown();
            running.await();
            LockSupport.parkNanos(2 * POLL_NANOS);
            failedAt[0] = System.nanoTime();
            throw new IllegalStateException("the one that fails");
        });
        java.util.concurrent.atomic.AtomicLong lastExit = new java.util.concurrent.atomic.AtomicLong();
        Callable<Object> sibling = () -> {
            running.countDown();
            while (!Thread.interrupted()) LockSupport.parkNanos(POLL_NANOS);
            lastExit.accumulateAndGet(System.nanoTime(), Math::max);
            throw new InterruptedException("stopped");
        };
        for (int i = 1; i < k; i++) ecs.submit(sibling);
        try {
            ecs.take().get();
            throw new IllegalStateException("the failing task did not fail first");
        } catch (ExecutionException expected) {
            pool.shutdownNow();
            if (!pool.awaitTermination(60, TimeUnit.SECONDS)) throw new IllegalStateException("pool did not stop");
        }
        long end = System.nanoTime();
        return new long[] {end - failedAt[0], lastExit.get() - failedAt[0]};
    }
}
