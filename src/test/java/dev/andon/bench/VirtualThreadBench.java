package dev.andon.bench;

import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.VirtualThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Virtual threads, Java 21+ ({@code scripts/bench} runs it on a JDK 21+ when it finds one):
 * {@code --calls} (10,000) calls on {@code andon.virtual-dispatcher}, max-parallelism = calls,
 * each connecting to a local {@link SlowServer} (its own process) and blocked in
 * {@code InputStream.read} until the server answers one byte 1 s after accepting it.
 *
 * <p>Measured, interleaved with the baseline, a raw {@code Executors.newVirtualThreadPerTaskExecutor()}
 * running the same 10,000 tasks ({@code invokeAll}, then every future's {@code get}):
 * <ul>
 * <li><b>wall</b>: from {@code submit} to the report (the baseline: from {@code invokeAll} to the
 *     last {@code get}); the job and the task list are built before, on both sides;</li>
 * <li><b>heap</b>: used heap after full GCs while all 10,000 are blocked in {@code read}, less
 *     the same before they started (one run per side, against a server that never answers, ended
 *     by an abort / {@code shutdownNow()});</li>
 * <li><b>abort fan-out</b>: the same 10,000 blocked against a server that never answers; call 0
 *     waits until every other call has connected, then fails; from {@code nanoTime()} just before
 *     it throws to the run's report (every call acked: its interrupt closed its socket), against
 *     the baseline's {@code shutdownNow()} → {@code awaitTermination} returning.</li>
 * </ul>
 * Before Java 21 it writes only {@code "skipped"}.
 *
 * <p>Usage: {@code VirtualThreadBench --calls 10000 --warmup 1 --reps 5 --out FILE}
 */
public final class VirtualThreadBench {
    private static final String DISPATCHER = "andon.virtual-dispatcher";
    private static final long SETTLE_NANOS = 20_000_000L;

    public static void main(String[] args) throws Throwable {
        int calls = Integer.parseInt(BenchSupport.arg(args, "calls", "10000"));
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup", "1"));
        int reps = Integer.parseInt(BenchSupport.arg(args, "reps", "5"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/vt-10000.json"));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("java", System.getProperty("java.runtime.version"));
        if (!VirtualThreads.available()) {
            result.put("skipped", VirtualThreads.unavailableMessage());
            BenchSupport.write(out, result);
            System.out.println("virtual threads: skipped, " + VirtualThreads.unavailableMessage());
            System.exit(0);
        }
        MethodHandle newExecutor = MethodHandles.publicLookup().findStatic(java.util.concurrent.Executors.class,
                "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class));

        double[] andonWall = new double[reps];
        double[] rawWall = new double[reps];
        double[] andonAbort = new double[reps];
        double[] rawAbort = new double[reps];
        double[] andonLastExit = new double[reps];
        double[] rawLastExit = new double[reps];
        long andonHeap;
        long rawHeap;
        try (Server answering = Server.start(1_000); Server silent = Server.start(3_600_000);
             Andon andon = Andon.start(ConfigFactory.parseString("akka.loglevel = WARNING").withFallback(ConfigFactory.load()),
                     "bench-vt")) {
            JobSpec wallJob = job("vt-wall", calls, answering.address, null, null, null);
            List<Callable<Object>> wallTasks = new ArrayList<>(calls);
            for (int i = 0; i < calls; i++) wallTasks.add(() -> readOne(answering.address, null, null));
            for (int r = -warmup; r < reps; r++) {
                double a = BenchSupport.millis(andonWall(andon, wallJob, calls));
                double p = BenchSupport.millis(rawWall(newExecutor, wallTasks));
                System.out.printf("  wall rep %d: andon %.0f ms, raw %.0f ms%n", r, a, p);
                if (r < 0) continue;
                andonWall[r] = a;
                rawWall[r] = p;
            }
            andonHeap = andonHeap(andon, calls, silent.address);
            rawHeap = rawHeap(newExecutor, calls, silent.address);
            System.out.printf("  heap while blocked: andon %.1f MB, raw %.1f MB%n", andonHeap / 1e6, rawHeap / 1e6);
            for (int r = -warmup; r < reps; r++) {
                long[] a = andonAbort(andon, calls, silent.address);
                long[] p = rawAbort(newExecutor, calls, silent.address);
                System.out.printf("  abort rep %d: andon %.1f ms, raw %.1f ms%n", r, BenchSupport.millis(a[0]), BenchSupport.millis(p[0]));
                if (r < 0) continue;
                andonAbort[r] = BenchSupport.millis(a[0]);
                andonLastExit[r] = BenchSupport.millis(a[1]);
                rawAbort[r] = BenchSupport.millis(p[0]);
                rawLastExit[r] = BenchSupport.millis(p[1]);
            }
        }
        result.put("calls", calls);
        result.put("server_delay_ms", 1000);
        result.put("repetitions", reps);
        result.put("warmup_repetitions", warmup);
        result.put("andon_wall_ms", BenchSupport.stats(andonWall));
        result.put("raw_executor_wall_ms", BenchSupport.stats(rawWall));
        result.put("andon_heap_while_blocked_bytes", andonHeap);
        result.put("raw_executor_heap_while_blocked_bytes", rawHeap);
        result.put("andon_heap_per_call_bytes", BenchSupport.round((double) andonHeap / calls));
        result.put("raw_executor_heap_per_call_bytes", BenchSupport.round((double) rawHeap / calls));
        result.put("andon_failure_to_report_ms", BenchSupport.stats(andonAbort));
        result.put("shutdownNow_failure_to_terminated_ms", BenchSupport.stats(rawAbort));
        result.put("andon_failure_to_last_sibling_exit_ms", BenchSupport.stats(andonLastExit));
        result.put("shutdownNow_failure_to_last_sibling_exit_ms", BenchSupport.stats(rawLastExit));
        BenchSupport.write(out, result);
        System.out.printf("virtual threads, %d calls: wall andon p50 %.0f ms / raw %.0f ms; abort andon p50 %.1f ms / shutdownNow %.1f ms%n",
                calls, BenchSupport.percentile(andonWall, 50), BenchSupport.percentile(rawWall, 50),
                BenchSupport.percentile(andonAbort, 50), BenchSupport.percentile(rawAbort, 50));
        System.exit(0);
    }

    /**
     * The call on both sides: connects to {@code server}, counts {@code connected} down, blocks in
     * {@code read} until the server answers (or the read is interrupted), and notes when it left.
     */
    private static Object readOne(InetSocketAddress server, CountDownLatch connected, AtomicLong lastExit) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server);
            if (connected != null) connected.countDown();
            try {
                int b = s.getInputStream().read();
                if (b < 0) throw new IOException("the server closed the connection");
                return b;
            } finally {
                if (lastExit != null) lastExit.accumulateAndGet(System.nanoTime(), Math::max);
            }
        }
    }

    /**
     * {@code calls} reading calls on virtual threads; with {@code failedAt}, call 0 instead fails
     * {@link #SETTLE_NANOS} after every other call has connected.
     */
    private static JobSpec job(String name, int calls, InetSocketAddress server, CountDownLatch connected,
                               long[] failedAt, AtomicLong lastExit) {
        JobSpec.Builder b = JobSpec.builder(name).dispatcher(DISPATCHER).maxParallelism(calls)
                .abortGrace(java.time.Duration.ofSeconds(30));
        for (int i = 0; i < calls; i++) {
            if (i == 0 && failedAt != null) {
                b.call("c0", ctx -> fail(connected, failedAt));
            } else {
                b.call("c" + i, ctx -> readOne(server, connected, lastExit));
            }
        }
        return b.build();
    }

    private static Object fail(CountDownLatch connected, long[] failedAt) throws InterruptedException {
        if (!connected.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("not every call connected");
        LockSupport.parkNanos(SETTLE_NANOS); // let the last of them get into read()
        failedAt[0] = System.nanoTime();
        throw new IllegalStateException("the one that fails");
    }

    private static long andonWall(Andon andon, JobSpec job, int calls) throws Exception {
        long t0 = System.nanoTime();
        RunReport report = andon.submit(job).report().toCompletableFuture().get(120, TimeUnit.SECONDS);
        long wall = System.nanoTime() - t0;
        long ok = report.calls().stream().filter(c -> c.status() == CallStatus.SUCCEEDED).count();
        if (report.status() != RunStatus.SUCCEEDED || ok != calls)
            throw new IllegalStateException("andon: " + report.status() + ", " + ok + " of " + calls + " succeeded; first error "
                    + report.calls().stream().filter(c -> c.error() != null).map(c -> c.error()).findFirst().orElse(""));
        return wall;
    }

    private static long rawWall(MethodHandle newExecutor, List<Callable<Object>> tasks) throws Throwable {
        long t0 = System.nanoTime();
        ExecutorService executor = (ExecutorService) newExecutor.invoke();
        try {
            for (Future<Object> f : executor.invokeAll(tasks)) f.get();
        } finally {
            executor.shutdown();
        }
        return System.nanoTime() - t0;
    }

    private static long andonHeap(Andon andon, int calls, InetSocketAddress silent) throws Exception {
        long before = BenchSupport.usedAfterGc();
        CountDownLatch connected = new CountDownLatch(calls);
        var handle = andon.submit(job("vt-heap", calls, silent, connected, null, null));
        if (!connected.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("not every call connected");
        long during = BenchSupport.usedAfterGc();
        andon.abort(handle.id(), "measured");
        RunReport r = handle.report().toCompletableFuture().get(120, TimeUnit.SECONDS);
        if (r.status() != RunStatus.ABORTED) throw new IllegalStateException("andon heap run: " + r.status());
        return during - before;
    }

    private static long rawHeap(MethodHandle newExecutor, int calls, InetSocketAddress silent) throws Throwable {
        long before = BenchSupport.usedAfterGc();
        CountDownLatch connected = new CountDownLatch(calls);
        ExecutorService executor = (ExecutorService) newExecutor.invoke();
        for (int i = 0; i < calls; i++) executor.submit(() -> readOne(silent, connected, null));
        if (!connected.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("not every task connected");
        long during = BenchSupport.usedAfterGc();
        executor.shutdownNow();
        if (!executor.awaitTermination(60, TimeUnit.SECONDS)) throw new IllegalStateException("raw heap run did not stop");
        return during - before;
    }

    /** One aborted Andon run; returns {failure→report, failure→last sibling left read()} in nanos. */
    private static long[] andonAbort(Andon andon, int calls, InetSocketAddress silent) throws Exception {
        CountDownLatch connected = new CountDownLatch(calls - 1);
        long[] failedAt = new long[1];
        AtomicLong lastExit = new AtomicLong();
        JobSpec job = job("vt-abort", calls, silent, connected, failedAt, lastExit);
        var handle = andon.submit(job);
        // Stamped on the supervisor's thread as the report is delivered (no listener: the
        // baseline has none either).
        var reported = handle.report().thenApply(r -> System.nanoTime()).toCompletableFuture();
        RunReport report = handle.report().toCompletableFuture().get(120, TimeUnit.SECONDS);
        long end = reported.get(120, TimeUnit.SECONDS);
        long aborted = report.calls().stream().filter(c -> c.status() == CallStatus.ABORTED).count();
        if (report.status() != RunStatus.FAILED || !"c0".equals(report.cause().call()) || aborted != calls - 1)
            throw new IllegalStateException("andon abort run: " + report.status() + " " + report.cause() + ", " + aborted + " aborted");
        return new long[] {end - failedAt[0], lastExit.get() - failedAt[0]};
    }

    /** One raw executor's {@code shutdownNow()}; returns {failure→terminated, failure→last sibling left read()} in nanos. */
    private static long[] rawAbort(MethodHandle newExecutor, int calls, InetSocketAddress silent) throws Throwable {
        CountDownLatch connected = new CountDownLatch(calls - 1);
        long[] failedAt = new long[1];
        AtomicLong lastExit = new AtomicLong();
        ExecutorService executor = (ExecutorService) newExecutor.invoke();
        ExecutorCompletionService<Object> ecs = new ExecutorCompletionService<>(executor);
        ecs.submit(() -> fail(connected, failedAt));
        for (int i = 1; i < calls; i++) ecs.submit(() -> readOne(silent, connected, lastExit));
        try {
            ecs.take().get();
            throw new IllegalStateException("the failing task did not fail first");
        } catch (ExecutionException expected) {
            executor.shutdownNow();
            if (!executor.awaitTermination(60, TimeUnit.SECONDS)) throw new IllegalStateException("executor did not stop");
        }
        long end = System.nanoTime();
        return new long[] {end - failedAt[0], lastExit.get() - failedAt[0]};
    }

    /** A {@link SlowServer} in its own process, on this JVM's java and classpath. */
    private static final class Server implements AutoCloseable {
        final Process process;
        final InetSocketAddress address;

        private Server(Process process, int port) {
            this.process = process;
            this.address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        }

        static Server start(long delayMillis) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    SlowServer.class.getName(), "--delay-ms", Long.toString(delayMillis))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String port = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
            if (port == null) throw new IOException("SlowServer did not start");
            return new Server(p, Integer.parseInt(port.trim()));
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close(); // it exits when its stdin closes
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
