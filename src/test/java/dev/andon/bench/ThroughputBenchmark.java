package dev.andon.bench;

import dev.andon.Andon;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 100,000 no-op calls: through Andon (one run of 100,000 calls, max-parallelism = pool-size =
 * {@code threads}) and through a raw {@link ThreadPoolExecutor} of {@code threads} threads
 * ({@code invokeAll}, then every future's {@code get}). One operation is the whole batch, so the
 * score is time per 100,000 calls; {@code scripts/bench} turns the median batch into calls/s and
 * their ratio.
 *
 * <p>The job and the task list are built once, outside the measured operation, on both sides: a
 * {@link JobSpec} is immutable, and each submission of it is a new run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
// Andon's side needs about ten 100,000-call batches before its actor paths are compiled.
@Warmup(iterations = 10)
@Measurement(iterations = 10)
public class ThroughputBenchmark {
    static final int CALLS = 100_000;

    @Param({"64"})
    public int threads;

    private Andon andon;
    private JobSpec job;
    private ThreadPoolExecutor pool;
    private List<Callable<Object>> tasks;

    @Setup(Level.Trial)
    public void setUp() {
        andon = BenchSupport.andon(threads, "bench-throughput");
        JobSpec.Builder b = JobSpec.builder("noop").maxParallelism(threads);
        for (int i = 0; i < CALLS; i++) b.call("c" + i, ctx -> null);
        job = b.build();

        pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
        pool.prestartAllCoreThreads();
        tasks = new ArrayList<>(CALLS);
        for (int i = 0; i < CALLS; i++) tasks.add(() -> null);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        andon.close();
        pool.shutdownNow();
    }

    @Benchmark
    public RunReport andon() {
        RunReport report = andon.submit(job).report().toCompletableFuture().join();
        if (report.status() != RunStatus.SUCCEEDED) throw new IllegalStateException("run " + report.status());
        return report;
    }

    @Benchmark
    public int pool() throws InterruptedException, ExecutionException {
        int done = 0;
        for (Future<Object> f : pool.invokeAll(tasks)) {
            f.get();
            done++;
        }
        return done;
    }
}
