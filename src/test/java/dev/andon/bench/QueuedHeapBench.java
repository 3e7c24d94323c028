package dev.andon.bench;

import dev.andon.Andon;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Retained heap per queued call: one run of {@code 1 + queued} calls with max-parallelism 1,
 * whose first call blocks, so the other {@code queued} wait in the supervisor's queue.
 *
 * <p>Used heap is read after {@code System.gc()} (repeated, with a settle, until it stops
 * shrinking) at three points: before the job is built (m0), after it is built (m1: the
 * {@code JobSpec}, its {@code CallSpec}s and their names are retained), and while the run holds
 * {@code queued} calls queued (m2). Reported: {@code (m2 - m0) / queued}, what a queued call costs
 * including its spec, and {@code (m2 - m1) / queued}, what Andon adds for it beyond the spec the
 * user built. Run it with the serial collector ({@code -XX:+UseSerialGC}), whose used-heap figure
 * after a full GC is exact.
 */
public final class QueuedHeapBench {

    public static void main(String[] args) throws Exception {
        int queued = Integer.parseInt(BenchSupport.arg(args, "queued", "100000"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/heap-queued.json"));
        try (Andon andon = BenchSupport.andon(4, "bench-heap")) {
            warmUp(andon);
            long m0 = BenchSupport.usedAfterGc();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            JobSpec job = job(queued, started, release);
            long m1 = BenchSupport.usedAfterGc();
            var handle = andon.submit(job);
            job = null;
            if (!started.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("the blocking call never started");
            long m2 = BenchSupport.usedAfterGc();
            release.countDown();
            RunReport report = handle.report().toCompletableFuture().get(120, TimeUnit.SECONDS);
            if (report.calls().size() != queued + 1) throw new IllegalStateException("lost calls");

            double withSpec = (double) (m2 - m0) / queued;
            double engineOnly = (double) (m2 - m1) / queued;
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("queued", queued);
            result.put("gc", ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList());
            result.put("used_before_job_bytes", m0);
            result.put("used_with_job_built_bytes", m1);
            result.put("used_while_queued_bytes", m2);
            result.put("spec_bytes_per_call", BenchSupport.round((double) (m1 - m0) / queued));
            result.put("bytes_per_queued_call_including_spec", BenchSupport.round(withSpec));
            result.put("bytes_per_queued_call_engine_only", BenchSupport.round(engineOnly));
            BenchSupport.write(out, result);
            System.out.printf("heap per queued call: %.1f B including the JobSpec/CallSpec, %.1f B engine only (spec %.1f B)%n",
                    withSpec, engineOnly, (double) (m1 - m0) / queued);
        }
        System.exit(0);
    }

    private static JobSpec job(int queued, CountDownLatch started, CountDownLatch release) {
        JobSpec.Builder b = JobSpec.builder("queued").maxParallelism(1);
        b.call("blocker", ctx -> {
            started.countDown();
            release.await();
            return null;
        });
        for (int i = 0; i < queued; i++) b.call("c" + i, ctx -> null);
        return b.build();
    }

    /** Loads the classes and starts the dispatcher's pool, so that m0 already holds them. */
    private static void warmUp(Andon andon) throws Exception {
        for (int r = 0; r < 3; r++) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            var handle = andon.submit(job(1000, started, release));
            started.await();
            release.countDown();
            handle.report().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
    }
}
