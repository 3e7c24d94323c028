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
 * as its previous post was answered, for {@code --seconds} (10), against the embedded service
 * with {@code store = sqlite} (a fresh file) and then with {@code store = memory}, in one JVM
 * (a warm-up of a few seconds on each first). A 202 is sent once the run's submission is
 * committed, so the sqlite side's rate is what group commit sustains. Counted: the 202s within
 * the interval; any other answer is counted apart (a 429 would mean the live-run limit, not the
 * store). Checked after: every run that got a 202 from the sqlite side is in its store.
 *
 * <p>Usage: {@code StoreSubmitBench --clients 32 --seconds 10 --warmup-seconds 3 --out FILE}
 */
public final class StoreSubmitBench {

    private StoreSubmitBench() {
    }

    private record Side(long accepted, long refused, double seconds, List<String> ids) {
        double rate() {
            return accepted / seconds;
        }
    }

    public static void main(String[] args) throws Exception {
        int clients = Integer.parseInt(BenchSupport.arg(args, "clients", "32"));
        int seconds = Integer.parseInt(BenchSupport.arg(args, "seconds", "10"));
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup-seconds", "3"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/store-submit.json"));
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
        Map<StoreSettings.Kind, Side> sides = new LinkedHashMap<>();
        for (StoreSettings.Kind kind : new StoreSettings.Kind[] {StoreSettings.Kind.SQLITE, StoreSettings.Kind.MEMORY}) {
            RunStore store = RunStores.open(settings.withKind(kind));
            try (Andon andon = Andon.start(config, "bench-submit-" + kind.name().toLowerCase(), store)) {
                Problems problems = new Problems();
                Catalog catalog = Catalog.load(config, new KindContext(config, () -> andon.httpClient().get()), problems);
                if (!problems.isEmpty()) throw new IllegalStateException(problems.list().toString());
                AndonService service = AndonService.start(andon, catalog, ServiceSettings.from(config),
                        Clock.systemUTC()).toCompletableFuture().join();
                URI uri = URI.create("http://127.0.0.1:" + service.address().getPort() + "/jobs/one/runs");
                load(uri, clients, warmup);
                Side side = load(uri, clients, seconds);
                sides.put(kind, side);
                System.out.printf("  %s: %d accepted in %.1f s (%,.0f runs/s), %d refused%n", kind, side.accepted(),
                        side.seconds(), side.rate(), side.refused());
                if (kind == StoreSettings.Kind.SQLITE) {
                    store.flush().toCompletableFuture().get(60, TimeUnit.SECONDS);
                    long missing = side.ids().stream().filter(id -> store.run(id).isEmpty()).count();
                    result.put("sqlite_accepted_but_not_stored", missing);
                    if (missing > 0) {
                        System.err.println("store submit: WRONG: " + missing + " runs got a 202 and are not in the store");
                        System.exit(1);
                    }
                }
            }
        }
        Side sqlite = sides.get(StoreSettings.Kind.SQLITE);
        Side memory = sides.get(StoreSettings.Kind.MEMORY);
        result.put("sqlite_accepted", sqlite.accepted());
        result.put("sqlite_refused", sqlite.refused());
        result.put("memory_accepted", memory.accepted());
        result.put("memory_refused", memory.refused());
        result.put("memory_runs_per_s", Math.round(memory.rate()));
        result.put("store_submit_runs_per_s", Math.round(sqlite.rate()));
        result.put("store_submit_ratio", BenchSupport.round(sqlite.rate() / memory.rate()));
        BenchSupport.write(out, result);
        BenchSupport.deleteTree(work);
        System.out.printf("store submit, %d clients: sqlite %,.0f runs/s, memory %,.0f runs/s, ratio %.3f%n", clients,
                sqlite.rate(), memory.rate(), sqlite.rate() / memory.rate());
        System.exit(0);
    }

    /** {@code clients} threads posting for {@code seconds}; what they were answered. */
    private static Side load(URI uri, int clients, int seconds) throws Exception {
        HttpClient http = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(4)).build();
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Long> statuses = new ConcurrentHashMap<>();
        HttpRequest post = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()).build();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
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
        if (!statuses.isEmpty()) System.out.println("  answers other than 202 (-1: no answer): " + statuses);
        return new Side(accepted.get(), refused.get(), seconds, List.copyOf(ids));
    }
}
