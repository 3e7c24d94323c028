package dev.andon.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.config.Catalog;
import dev.andon.config.ClassKind;
import dev.andon.config.CommandKind;
import dev.andon.config.HttpKind;
import dev.andon.config.JdbcKind;
import dev.andon.config.KindContext;
import dev.andon.config.Kinds;
import dev.andon.config.Problems;
import dev.andon.config.SleepKind;
import dev.andon.run.CallStatus;
import dev.andon.run.JobSpec;
import dev.andon.run.RunEvent;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.testutil.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * JDBC abort fan-out on a real PostgreSQL ({@link TestPostgres}): {@code k} (16) {@code jdbc}
 * calls run {@code SELECT pg_sleep(60)}, each on a connection of its own; a sibling waits until
 * the server shows all {@code k} queries active, then fails. Measured: from the failure
 * ({@code System.nanoTime()} just before it throws) to the last ack (the last {@code CallFinished}
 * of a jdbc call: its statement cancelled by the database, its connection closed, its thread
 * back), and to the report. Afterwards no query of the run may still be active on the server.
 *
 * <p>Baseline, interleaved: the same {@code k} queries on {@code k} platform threads by hand; at
 * the same signal the harness calls {@code Statement.cancel()} on each, one after another, and
 * the interval ends when the last thread has returned and closed its connection.
 *
 * <p>Usage: {@code JdbcAbortBench --k 16 --warmup 3 --reps 20 --out FILE}
 */
public final class JdbcAbortBench {

    public static void main(String[] args) throws Exception {
        int k = Integer.parseInt(BenchSupport.arg(args, "k", "16"));
        int warmup = Integer.parseInt(BenchSupport.arg(args, "warmup", "3"));
        int reps = Integer.parseInt(BenchSupport.arg(args, "reps", "20"));
        Path out = Path.of(BenchSupport.arg(args, "out", "target/bench/jdbc-abort-k" + k + ".json"));
        TestPostgres pg = TestPostgres.shared();
        String db = pg.createDatabase();
        Function<String, String> environment = Map.of("BENCH_PG_PASSWORD", pg.password())::get;
        Config base = ConfigFactory.parseString("akka.loglevel = WARNING").withFallback(ConfigFactory.load());

        double[] toLastAck = new double[reps];
        double[] toReport = new double[reps];
        double[] byHand = new double[reps];
        int leftActive = 0;
        try (Andon andon = Andon.start(base, "bench-jdbc", environment)) {
            for (int r = -warmup; r < reps; r++) {
                double[] a = andonOnce(andon, base, pg, db, k, environment, "bench-andon-" + (r + warmup));
                double h = byHandOnce(pg, db, k, "bench-hand-" + (r + warmup));
                leftActive += (int) a[2];
                if (r < 0) continue;
                toLastAck[r] = a[0];
                toReport[r] = a[1];
                byHand[r] = h;
                System.out.printf("  rep %d: andon %.2f ms (report %.2f ms), by hand %.2f ms%n", r, a[0], a[1], h);
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("k", k);
        result.put("repetitions", reps);
        result.put("warmup_repetitions", warmup);
        result.put("andon_failure_to_last_ack_ms", BenchSupport.stats(toLastAck));
        result.put("andon_failure_to_report_ms", BenchSupport.stats(toReport));
        result.put("by_hand_cancel_to_last_thread_ms", BenchSupport.stats(byHand));
        result.put("queries_left_active", leftActive);
        BenchSupport.write(out, result);
        System.out.printf("jdbc abort k=%d: andon failure->last ack p50 %.2f ms (report %.2f ms), by hand p50 %.2f ms, left active %d%n",
                k, BenchSupport.percentile(toLastAck, 50), BenchSupport.percentile(toReport, 50),
                BenchSupport.percentile(byHand, 50), leftActive);
        System.exit(leftActive == 0 ? 0 : 1);
    }

    /** One run; returns {failure → last jdbc ack, failure → report, queries left active} (ms, ms, count). */
    private static double[] andonOnce(Andon andon, Config base, TestPostgres pg, String db, int k,
                                      Function<String, String> environment, String application) throws Exception {
        StringBuilder calls = new StringBuilder();
        for (int i = 1; i <= k; i++) {
            calls.append("{ name = q").append(i).append(", kind = jdbc, url = \"").append(pg.jdbcUrl(db))
                    .append("?ApplicationName=").append(application).append("\", user = \"").append(pg.user())
                    .append("\", password-env = BENCH_PG_PASSWORD, sql = \"SELECT pg_sleep(60)\" }\n");
        }
        Config config = ConfigFactory.parseString("andon.jobs.sleepers.calls = [\n" + calls + "]").withFallback(base).resolve();
        Problems problems = new Problems();
        Kinds kinds = new Kinds(List.of(new SleepKind(), new CommandKind(), new HttpKind(), new JdbcKind(environment),
                new ClassKind()));
        Catalog catalog = Catalog.load(config, new KindContext(config, andon.httpClient(), andon::jdbcPools), kinds, problems);
        if (!problems.isEmpty()) throw new IllegalStateException("bench job: " + problems.list());
        JobSpec.Builder job = JobSpec.builder("jdbc-fanout").maxParallelism(k + 1);
        catalog.entry("sleepers").orElseThrow().spec().calls().forEach(job::call);
        long[] failedAt = new long[1];
        job.call("fails", ctx -> {
            while (active(pg, db, application) < k) {
                ctx.checkpoint();
                Thread.sleep(5);
            }
            Thread.sleep(5); // each backend well inside its pg_sleep
            failedAt[0] = System.nanoTime();
            throw new IllegalStateException("the one that fails");
        });
        long[] lastAck = new long[1];
        long[] reported = new long[1];
        RunReport report = andon.submit(job.build(), e -> {
            if (e instanceof RunEvent.CallFinished f && f.report().name().startsWith("q")) lastAck[0] = System.nanoTime();
            else if (e instanceof RunEvent.RunFinished) reported[0] = System.nanoTime();
        }).report().toCompletableFuture().get(120, TimeUnit.SECONDS);
        if (report.status() != RunStatus.FAILED || !"fails".equals(report.cause().call())
                || report.calls().stream().filter(c -> c.status() == CallStatus.ABORTED).count() != k)
            throw new IllegalStateException("unexpected run: " + report.status() + " " + report.cause() + " " + report.calls());
        return new double[] {BenchSupport.millis(lastAck[0] - failedAt[0]), BenchSupport.millis(reported[0] - failedAt[0]),
                active(pg, db, application)};
    }

    /** The same queries by hand, cancelled one after another; returns signal → last thread back, in ms. */
    private static double byHandOnce(TestPostgres pg, String db, int k, String application) throws Exception {
        Properties info = new Properties();
        info.setProperty("user", pg.user());
        info.setProperty("password", pg.password());
        info.setProperty("ApplicationName", application);
        List<PreparedStatement> statements = new ArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            Connection c = DriverManager.getConnection(pg.jdbcUrl(db), info);
            PreparedStatement st = c.prepareStatement("SELECT pg_sleep(60)");
            statements.add(st);
            CompletableFuture<Void> f = new CompletableFuture<>();
            done.add(f);
            Thread t = new Thread(() -> {
                try {
                    st.execute();
                } catch (SQLException expected) {
                    // canceling statement due to user request
                } finally {
                    try {
                        c.close();
                    } catch (SQLException ignored) {
                        // closing is all that is left
                    }
                    f.complete(null);
                }
            }, "bench-hand-" + i);
            t.setDaemon(true);
            t.start();
        }
        while (active(pg, db, application) < k) Thread.sleep(5);
        Thread.sleep(5);
        long t0 = System.nanoTime();
        for (PreparedStatement st : statements) st.cancel();
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        return BenchSupport.millis(System.nanoTime() - t0);
    }

    private static Connection observer;

    /** How many queries of {@code application} the server runs now. */
    private static synchronized int active(TestPostgres pg, String db, String application) throws SQLException {
        if (observer == null) observer = DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password());
        try (PreparedStatement st = observer.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ? AND state = 'active'")) {
            st.setString(1, application);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
