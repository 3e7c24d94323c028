package dev.andon.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.config.Catalog;
import dev.andon.config.KindContext;
import dev.andon.config.Problems;
import dev.andon.service.AndonService;
import dev.andon.service.ServiceSettings;
import dev.andon.store.RunStore;
import dev.andon.store.RunStores;
import dev.andon.store.StoreSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code store_submit_runs_per_s} and {@code store_submit_ratio}: {@code --clients} (32) HTTP
 * clients, each posting {@code POST /jobs/one/runs} (a job of one 0 ms sleep call) again as soon
 * as its previous post was answered, against two embedded services in one JVM, one with
 * {@code store = sqlite} (a fresh file) and one with {@code store = memory}. Both are up at once;
 * each side is warmed up twice ({@code --warmup-seconds} each time, one side after the other),
 * then measured for {@code --seconds} (10) in two halves, in the order sqlite, memory, memory,
 * sqlite, so that neither side pays alone for the JIT's compiling of the paths both share, nor
 * for the host's drift. A 202 is sent once the run's submission is committed, so the sqlite
 * side's rate is what group commit sustains. Counted: the 202s within the intervals; any other
 * answer is counted apart (a 429 would mean the live-run limit, not the store); and the JVM's CPU
 * time per accepted run on each side. Checked after: every run that got a 202 from the sqlite
 * side is in its store. {@code --side sqlite} (or {@code memory}) runs one side alone, for a
 * profile of it.
 *
 * <p>Usage: {@code StoreSubmitBench --clients 32 --seconds 10 --warmup-seconds 3 [--side sqlite|memory] --out FILE}
 */
public final class StoreSubmitBench {

    private StoreSubmitBench() {
    }

    private record Side(long accepted, long refused, double seconds, List<String> ids, double cpuSeconds) {
        double rate() {
            return accepted / seconds;
        }

        Side plus(Side o) {
            List<String> both = new ArrayList<>(ids);
            both.addAll(o.ids);
            return new Side(accepted + o.accepted, refused + o.refused, seconds + o.seconds, both, cpuSeconds + o.cpuSeconds);
        }

        /** The JVM's CPU time (all its threads, clients included) per accepted run, in ms. */
        double cpuMillisPerRun() {
            return accepted == 0 ? 0 : cpuSeconds * 1000 / accepted;
        }
    }

    public static void main(String[] args) throws Exception {
        int clients = Integer.parseInt(BenchSupport.arg(args, "clients", "32"));
        int seconds = Integer.parseInt(BenchSupport.arg(args, "seconds", "10"));
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup-seconds", "3"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/store-submit.json"));
        // --side sqlite (or memory): that side alone, for a profile of it; the ratio needs both.
        String only = BenchSupport.arg(args, "side", "both");
        if (!List.of("both", "sqlite", "memory").contains(only)) {
            System.err.println("store submit: --side must be sqlite, memory or both, not " + only);
            System.exit(2);
        }
        Path work = Files.createTempDirectory("andon-bench-submit");
        Config config = ConfigFactory.parseString("""
                        andon.http.port = 0
                        andon.http.max-live-runs = 10000
                        akka.loglevel = WARNING
                        andon.jobs.one.calls = [ { name = a, kind = sleep, duration = 0ms } ]
                        """)
                .withFallback(ConfigFactory.parseMap(Map.of("andon.store.path", work.resolve("andon.db").toString())))
                .withFallback(ConfigFactory.load()).resolve();
        StoreSettings settings = StoreSettings.from(config);

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("clients", clients);
        result.put("seconds", seconds);
        List<StoreSettings.Kind> kinds = new ArrayList<>();
        for (StoreSettings.Kind kind : new StoreSettings.Kind[] {StoreSettings.Kind.SQLITE, StoreSettings.Kind.MEMORY})
            if (only.equals("both") || only.equals(kind.name().toLowerCase())) kinds.add(kind);
        // Both services are up at once, and both sides are warmed up, twice each, one after the
        // other, before anything is measured; then each is measured in two halves, in the order
        // sqlite, memory, memory, sqlite. (Measured one whole side after the other, the first side
        // paid for the JIT's compiling of the HTTP and engine paths that both share: the memory
        // side, always second, had 2.3 times the sqlite side's rate on this host, and so did the
        // sqlite side when it ran second.)
        Map<StoreSettings.Kind, Target> targets = new LinkedHashMap<>();
        Map<StoreSettings.Kind, Side> sides = new LinkedHashMap<>();
        long missing = 0;
        try {
            for (StoreSettings.Kind kind : kinds) targets.put(kind, Target.start(config, settings, kind));
            for (int round = 0; round < 2; round++)
                for (Target t : targets.values()) load(t, clients, warmup * 1000L);
            List<Target> order = new ArrayList<>(targets.values());
            List<Target> measured = new ArrayList<>(order);
            java.util.Collections.reverse(order);
            measured.addAll(order);
            long half = seconds * 1000L / 2;
            for (Target t : measured) sides.merge(t.kind, load(t, clients, half), Side::plus);
            for (var e : sides.entrySet()) {
                StoreSettings.Kind kind = e.getKey();
                Side side = e.getValue();
                System.out.printf("  %s: %d accepted in %.1f s (%,.0f runs/s), %d refused; the JVM's CPU %.2f ms a run (%.0f%% of %d cores)%n",
                        kind, side.accepted(), side.seconds(), side.rate(), side.refused(), side.cpuMillisPerRun(),
                        100 * side.cpuSeconds() / side.seconds() / Runtime.getRuntime().availableProcessors(),
                        Runtime.getRuntime().availableProcessors());
            }
            Target sqliteTarget = targets.get(StoreSettings.Kind.SQLITE);
            if (sqliteTarget != null) { // flushed after its last load
                RunStore store = sqliteTarget.store;
                missing = sides.get(StoreSettings.Kind.SQLITE).ids().stream().filter(id -> store.run(id).isEmpty()).count();
                result.put("sqlite_accepted_but_not_stored", missing);
            }
        } finally {
            for (Target t : targets.values()) t.andon.close();
            BenchSupport.deleteTree(work);
        }
        if (missing > 0) {
            System.err.println("store submit: WRONG: " + missing + " runs got a 202 and are not in the store");
            System.exit(1);
        }
        Side sqlite = sides.get(StoreSettings.Kind.SQLITE);
        Side memory = sides.get(StoreSettings.Kind.MEMORY);
        if (sqlite == null || memory == null) System.exit(0); // one side alone: no ratio
        result.put("sqlite_accepted", sqlite.accepted());
        result.put("sqlite_refused", sqlite.refused());
        result.put("memory_accepted", memory.accepted());
        result.put("memory_refused", memory.refused());
        result.put("memory_runs_per_s", Math.round(memory.rate()));
        result.put("sqlite_cpu_ms_per_run", BenchSupport.round(sqlite.cpuMillisPerRun()));
        result.put("memory_cpu_ms_per_run", BenchSupport.round(memory.cpuMillisPerRun()));
        result.put("store_submit_runs_per_s", Math.round(sqlite.rate()));
        result.put("store_submit_ratio", BenchSupport.round(sqlite.rate() / memory.rate()));
        BenchSupport.write(out, result);
        System.out.printf("store submit, %d clients: sqlite %,.0f runs/s, memory %,.0f runs/s, ratio %.3f%n", clients,
                sqlite.rate(), memory.rate(), sqlite.rate() / memory.rate());
        System.exit(0);
    }

    /** One side: an embedded Andon on a store of {@code kind}, and its service. */
    private record Target(StoreSettings.Kind kind, RunStore store, Andon andon, URI uri) {
        static Target start(Config config, StoreSettings settings, StoreSettings.Kind kind) {
            RunStore store = RunStores.open(settings.withKind(kind));
            Andon andon = Andon.start(config, "bench-submit-" + kind.name().toLowerCase(), store);
            Problems problems = new Problems();
            Catalog catalog = Catalog.load(config, new KindContext(config, () -> andon.httpClient().get()), problems);
            if (!problems.isEmpty()) throw new IllegalStateException(problems.list().toString());
            AndonService service = AndonService.start(andon, catalog, ServiceSettings.from(config),
                    Clock.systemUTC()).toCompletableFuture().join();
            return new Target(kind, store, andon, URI.create("http://127.0.0.1:" + service.address().getPort() + "/jobs/one/runs"));
        }
    }

    /**
     * {@code clients} threads posting to {@code target} for {@code millis}; what they were
     * answered. A sqlite side's store is flushed after, outside the interval, so that its
     * writer's backlog does not spill into the next side's.
     */
    private static Side load(Target target, int clients, long millis) throws Exception {
        Side side = load(target.uri, clients, millis);
        target.store.flush().toCompletableFuture().get(60, TimeUnit.SECONDS);
        return side;
    }

    /** {@code clients} threads posting for {@code millis}; what they were answered. */
    private static Side load(URI uri, int clients, long millis) throws Exception {
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        HttpRequest post = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build();
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        long end = start + TimeUnit.MILLISECONDS.toNanos(millis);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    try {
                        HttpResponse<String> r = http.send(post, HttpResponse.BodyHandlers.ofString());
                        if (System.nanoTime() > end) break; // answered after the interval: not counted
                        if (r.statusCode() == 202) {
                            accepted.incrementAndGet();
                            String body = r.body();
                            int at = body.indexOf("\"id\":\"");
                            ids.add(body.substring(at + 6, body.indexOf('"', at + 6)));
                        } else {
                            refused.incrementAndGet();
                            statuses.merge(r.statusCode(), 1L, Long::sum);
                        }
                    } catch (Exception e) {
                        refused.incrementAndGet();
                        statuses.merge(-1, 1L, Long::sum);
                    }
                }
            }, "bench-client-" + i);
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) t.join();
        double cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;
        if (!statuses.isEmpty()) System.out.println("  answers other than 202 (-1: no answer): " + statuses);
        return new Side(accepted.get(), refused.get(), millis / 1000.0, List.copyOf(ids), cpuSeconds);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
