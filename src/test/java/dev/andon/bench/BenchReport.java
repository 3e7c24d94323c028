package dev.andon.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gathers the parts {@code scripts/bench} wrote to {@code DIR} (JMH's {@code jmh.json} and the
 * harnesses' JSON files) into {@code DIR/results.json}, and prints a table of every headline
 * figure beside its baseline and goal. A part that is missing is reported as {@code null}.
 *
 * <p>Usage: {@code BenchReport DIR}
 */
public final class BenchReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Row(String key, Double value, String unit, String goal, boolean met, String baseline) {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/bench");
        Map<String, Object> results = new LinkedHashMap<>();
        Map<String, Object> raw = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();

        JsonNode jmh = read(dir.resolve("jmh.json"));
        Double ratio = null;
        Double andonRate = null;
        Double poolRate = null;
        if (jmh != null) {
            Map<String, Object> tp = new LinkedHashMap<>();
            for (JsonNode b : jmh) {
                String side = b.get("benchmark").asText().replaceAll(".*\\.", "");
                JsonNode pm = b.get("primaryMetric");
                List<Double> ms = new ArrayList<>();
                for (JsonNode fork : pm.get("rawData")) for (JsonNode v : fork) ms.add(v.asDouble());
                double[] perOp = ms.stream().mapToDouble(Double::doubleValue).toArray();
                double mean = pm.get("score").asDouble();
                // The median batch, not the mean: on a shared machine one descheduled batch of the
                // 40 ms pool side moves its mean by half; the mean-based figures stay in raw.
                double median = BenchSupport.percentile(perOp, 50);
                double rate = ThroughputBenchmark.CALLS / (median / 1000.0);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("threads", b.path("params").path("threads").asInt());
                m.put("calls_per_batch", ThroughputBenchmark.CALLS);
                m.put("calls_per_s", Math.round(rate));
                m.put("calls_per_s_from_mean", Math.round(ThroughputBenchmark.CALLS / (mean / 1000.0)));
                m.put("batch_ms_mean", BenchSupport.round(mean));
                m.put("batch_ms", BenchSupport.stats(perOp));
                m.put("per_call_us_median", BenchSupport.round(median * 1000.0 / ThroughputBenchmark.CALLS));
                tp.put(side, m);
                if (side.equals("andon")) andonRate = rate;
                if (side.equals("pool")) poolRate = rate;
            }
            if (andonRate != null && poolRate != null) ratio = andonRate / poolRate;
            raw.put("throughput", tp);
        }
        results.put("throughput_ratio_vs_pool", ratio == null ? null : BenchSupport.round(ratio));
        rows.add(new Row("throughput_ratio_vs_pool", ratio, "", ">= 0.40", ratio != null && ratio >= 0.40,
                andonRate == null || poolRate == null ? "-" : String.format("andon %,.0f calls/s vs pool %,.0f calls/s", andonRate, poolRate)));

        for (String k : new String[] {"64", "10000"}) {
            JsonNode f = read(dir.resolve("abort-fanout-k" + k + ".json"));
            Double median = f == null ? null : f.at("/andon_failure_to_report_ms/p50").asDouble();
            Double base = f == null ? null : f.at("/shutdownNow_failure_to_terminated_ms/p50").asDouble();
            Double r = f == null ? null : median / base;
            String key = "abort_fanout_k" + k + "_ratio_vs_shutdownNow";
            results.put(key, r == null ? null : BenchSupport.round(r));
            results.put("abort_fanout_k" + k + "_median_ms", median);
            results.put("abort_fanout_k" + k + "_shutdownNow_median_ms", base);
            double goal = k.equals("64") ? 0.25 : 0.6;
            rows.add(new Row(key, r, "", "<= " + goal, r != null && r <= goal,
                    f == null ? "-" : String.format("andon p50 %.2f ms vs shutdownNow p50 %.2f ms; p99 andon %.2f / pool %.2f ms; "
                                    + "last sibling out p50 andon %.2f / pool %.2f ms", median, base,
                            f.at("/andon_failure_to_report_ms/p99").asDouble(),
                            f.at("/shutdownNow_failure_to_terminated_ms/p99").asDouble(),
                            f.at("/andon_failure_to_last_sibling_exit_ms/p50").asDouble(),
                            f.at("/shutdownNow_failure_to_last_sibling_exit_ms/p50").asDouble())));
            if (f != null) raw.put("abort_fanout_k" + k, f);
        }

        JsonNode v = read(dir.resolve("vt-10000.json"));
        boolean vt = v != null && !v.has("skipped");
        Double wall = vt ? v.at("/andon_wall_ms/p50").asDouble() : null;
        Double rawWall = vt ? v.at("/raw_executor_wall_ms/p50").asDouble() : null;
        Double wallRatio = vt ? wall / rawWall : null;
        results.put("vt_10000_wall_ratio", wallRatio == null ? null : BenchSupport.round(wallRatio));
        results.put("vt_10000_wall_ms", wall);
        results.put("vt_10000_raw_executor_wall_ms", rawWall);
        results.put("vt_10000_heap_bytes", vt ? v.get("andon_heap_while_blocked_bytes").asLong() : null);
        results.put("vt_10000_raw_executor_heap_bytes", vt ? v.get("raw_executor_heap_while_blocked_bytes").asLong() : null);
        String skipped = v == null ? "-" : v.has("skipped") ? "skipped: " + v.get("skipped").asText() : null;
        rows.add(new Row("vt_10000_wall_ratio", wallRatio, "", "<= 1.15", wallRatio != null && wallRatio <= 1.15,
                !vt ? skipped : String.format("andon p50 %.0f ms vs newVirtualThreadPerTaskExecutor p50 %.0f ms; heap while blocked "
                                + "andon %.1f MB (%.0f B a call) / raw %.1f MB (%.0f B); java %s", wall, rawWall,
                        v.get("andon_heap_while_blocked_bytes").asDouble() / 1e6, v.get("andon_heap_per_call_bytes").asDouble(),
                        v.get("raw_executor_heap_while_blocked_bytes").asDouble() / 1e6,
                        v.get("raw_executor_heap_per_call_bytes").asDouble(), v.get("java").asText())));
        Double vtAbort = vt ? v.at("/andon_failure_to_report_ms/p50").asDouble() : null;
        Double vtShutdownNow = vt ? v.at("/shutdownNow_failure_to_terminated_ms/p50").asDouble() : null;
        Double vtAbortRatio = vt ? vtAbort / vtShutdownNow : null;
        results.put("vt_abort_fanout_10000_ratio", vtAbortRatio == null ? null : BenchSupport.round(vtAbortRatio));
        results.put("vt_abort_fanout_10000_median_ms", vtAbort);
        results.put("vt_abort_fanout_10000_shutdownNow_median_ms", vtShutdownNow);
        rows.add(new Row("vt_abort_fanout_10000_ratio", vtAbortRatio, "", "<= 1.0", vtAbortRatio != null && vtAbortRatio <= 1.0,
                !vt ? skipped : String.format("andon p50 %.1f ms vs shutdownNow p50 %.1f ms; last sibling out p50 andon %.1f / raw %.1f ms",
                        vtAbort, vtShutdownNow, v.at("/andon_failure_to_last_sibling_exit_ms/p50").asDouble(),
                        v.at("/shutdownNow_failure_to_last_sibling_exit_ms/p50").asDouble())));
        if (v != null) raw.put("vt_10000", v);

        JsonNode lag = read(dir.resolve("schedule-lag.json"));
        Double lagP99 = lag == null ? null : lag.path("schedule_lag_p99_ms").asDouble();
        boolean lagRight = lag != null && lag.path("doubled").asInt() == 0;
        results.put("schedule_lag_p99_ms", lagP99);
        rows.add(new Row("schedule_lag_p99_ms", lagP99, " ms", "<= 20", lagP99 != null && lagP99 <= 20 && lagRight,
                lag == null ? "-" : String.format("%d jobs every 1s for %d s: %d fires, p50 %.2f ms, %d skipped, %d doubled",
                        lag.path("jobs").asInt(), lag.path("seconds").asInt(), lag.path("fires").asLong(),
                        lag.at("/lag_ms/p50").asDouble(), lag.path("skipped").asInt(), lag.path("doubled").asInt())));
        if (lag != null) raw.put("schedule_lag", lag);

        JsonNode cf = read(dir.resolve("command-fanout-k16.json"));
        Double cmd = cf == null ? null : cf.at("/andon_exit_to_report_ms/p50").asDouble();
        Double cmdBash = cf == null ? null : cf.at("/bash_exit_to_reaped_ms/p50").asDouble();
        Double cmdRatio = cf == null ? null : cmd / cmdBash;
        int cmdOrphans = cf == null ? -1 : cf.get("orphans").asInt();
        results.put("command_fanout_k16_ratio_vs_bash", cmdRatio == null ? null : BenchSupport.round(cmdRatio));
        results.put("command_fanout_k16_median_ms", cmd);
        results.put("command_fanout_k16_bash_median_ms", cmdBash);
        rows.add(new Row("command_fanout_k16_ratio_vs_bash", cmdRatio, "", "<= 3", cmdRatio != null && cmdRatio <= 3 && cmdOrphans == 0,
                cf == null ? "-" : String.format("embedded andon p50 %.1f ms vs bash wait -n; kill; wait p50 %.1f ms; orphans %d",
                        cmd, cmdBash, cmdOrphans)));
        if (cf != null) raw.put("command_fanout_k16", cf);

        JsonNode jd = read(dir.resolve("jdbc-abort-k16.json"));
        Double jdbc = jd == null ? null : jd.at("/andon_failure_to_last_ack_ms/p50").asDouble();
        int jdbcLeft = jd == null ? -1 : jd.get("queries_left_active").asInt();
        results.put("jdbc_abort_to_ack_ms", jdbc);
        results.put("jdbc_abort_by_hand_ms", jd == null ? null : jd.at("/by_hand_cancel_to_last_thread_ms/p50").asDouble());
        rows.add(new Row("jdbc_abort_to_ack_ms", jdbc, "ms", "<= 20", jdbc != null && jdbc <= 20 && jdbcLeft == 0,
                jd == null ? "-" : String.format("16 pg_sleep(60), one sibling fails; p99 %.1f ms; report p50 %.1f ms; "
                                + "Statement.cancel() of each by hand p50 %.1f ms; queries left active %d",
                        jd.at("/andon_failure_to_last_ack_ms/p99").asDouble(), jd.at("/andon_failure_to_report_ms/p50").asDouble(),
                        jd.at("/by_hand_cancel_to_last_thread_ms/p50").asDouble(), jdbcLeft)));
        if (jd != null) raw.put("jdbc_abort_k16", jd);

        JsonNode h = read(dir.resolve("heap-queued.json"));
        Double perCall = h == null ? null : h.get("bytes_per_queued_call_including_spec").asDouble();
        Double engineOnly = h == null ? null : h.get("bytes_per_queued_call_engine_only").asDouble();
        results.put("heap_bytes_per_queued_call", perCall);
        results.put("heap_bytes_per_queued_call_engine_only", engineOnly);
        rows.add(new Row("heap_bytes_per_queued_call", perCall, "B", "<= 512", perCall != null && perCall <= 512,
                h == null ? "-" : String.format("a guard; incl. JobSpec/CallSpec; engine only %.1f B", engineOnly)));
        if (h != null) raw.put("heap_queued", h);

        JsonNode c = read(dir.resolve("cli-fail-to-exit.json"));
        Double cli = c == null ? null : c.at("/andon_fail_to_exit_ms/p50").asDouble();
        Double bash = c == null ? null : c.at("/bash_wait_n_fail_to_exit_ms/p50").asDouble();
        int orphans = c == null ? -1 : c.get("orphans").asInt();
        results.put("cli_fail_to_exit_ms", cli);
        results.put("cli_fail_to_exit_bash_baseline_ms", bash);
        results.put("cli_orphans", c == null ? null : orphans);
        rows.add(new Row("cli_fail_to_exit_ms", cli, "ms", "<= 100", cli != null && cli <= 100 && orphans == 0,
                c == null ? "-" : String.format("a guard; bash wait -n p50 %.1f ms; orphans %d; split p50: detect %.0f, fan-out %.0f, report->exit %.0f ms",
                        bash, orphans, c.at("/andon_stamp_to_failed_call_finished_ms/p50").asDouble(),
                        c.at("/andon_failed_call_to_run_finished_ms/p50").asDouble(),
                        c.at("/andon_run_finished_to_exit_ms/p50").asDouble())));
        if (c != null) raw.put("cli_fail_to_exit", c);

        JsonNode st = read(dir.resolve("store-throughput.json"));
        Double stRatio = st == null ? null : st.get("store_throughput_ratio").asDouble();
        results.put("store_throughput_ratio", stRatio);
        rows.add(new Row("store_throughput_ratio", stRatio, "", ">= 0.8", stRatio != null && stRatio >= 0.8,
                st == null ? "-" : String.format("100,000 no-op calls: sqlite %,d calls/s (p50 %.0f ms) vs memory %,d calls/s (p50 %.0f ms)",
                        st.get("sqlite_calls_per_s").asLong(), st.at("/sqlite_batch_ms/p50").asDouble(),
                        st.get("memory_calls_per_s").asLong(), st.at("/memory_batch_ms/p50").asDouble())));
        if (st != null) raw.put("store_throughput", st);

        JsonNode sub = read(dir.resolve("store-submit.json"));
        Double subRate = sub == null ? null : sub.get("store_submit_runs_per_s").asDouble();
        Double subRatio = sub == null ? null : sub.get("store_submit_ratio").asDouble();
        boolean subRight = sub != null && sub.path("sqlite_accepted_but_not_stored").asLong() == 0;
        results.put("store_submit_runs_per_s", subRate);
        results.put("store_submit_ratio", subRatio);
        String subDetail = sub == null ? "-" : String.format("%d clients, %d s: sqlite %,d accepted (%d refused) vs memory %,d runs/s; "
                        + "accepted but not stored %d", sub.get("clients").asInt(), sub.get("seconds").asInt(),
                sub.get("sqlite_accepted").asLong(), sub.get("sqlite_refused").asLong(), sub.get("memory_runs_per_s").asLong(),
                sub.path("sqlite_accepted_but_not_stored").asLong());
        rows.add(new Row("store_submit_runs_per_s", subRate, "", ">= 1000", subRate != null && subRate >= 1000 && subRight, subDetail));
        rows.add(new Row("store_submit_ratio", subRatio, "", ">= 0.5", subRatio != null && subRatio >= 0.5 && subRight,
                sub == null ? "-" : String.format("sqlite runs/s ÷ memory runs/s, same JVM, both warmed up, measured sqlite-memory-memory-sqlite; "
                        + "the JVM's CPU a run: sqlite %.2f ms, memory %.2f ms", sub.path("sqlite_cpu_ms_per_run").asDouble(),
                        sub.path("memory_cpu_ms_per_run").asDouble())));
        if (sub != null) raw.put("store_submit", sub);

        JsonNode rec = read(dir.resolve("recovery.json"));
        Double recMs = rec == null ? null : rec.get("recovery_ms").asDouble();
        boolean recRight = rec != null && rec.get("processes_left").asInt() == 0;
        results.put("recovery_ms", recMs);
        rows.add(new Row("recovery_ms", recMs, "ms", "<= 2000", recMs != null && recMs <= 2000 && recRight,
                rec == null ? "-" : String.format("%d interrupted runs, %d live process groups: JVM start to ready; "
                                + "empty store p50 %.0f ms; processes left %d", rec.get("runs").asInt(), rec.get("groups").asInt(),
                        rec.at("/start_with_empty_store_ms/p50").asDouble(), rec.get("processes_left").asInt())));
        if (rec != null) raw.put("recovery", rec);

        JsonNode hf = read(dir.resolve("http-first-call.json"));
        Double hfRatio = hf == null || hf.get("http_first_call_ratio").isNull() ? null : hf.get("http_first_call_ratio").asDouble();
        Double hfRefused = hf == null || hf.get("http_first_call_refused_ratio").isNull() ? null
                : hf.get("http_first_call_refused_ratio").asDouble();
        results.put("http_first_call_ratio", hfRatio);
        results.put("http_first_call_refused_ratio", hfRefused);
        rows.add(new Row("http_first_call_ratio", hfRatio, "", "<= 2", hfRatio != null && hfRatio <= 2,
                hf == null ? "-" : String.format("first / second http call of a fresh andon run, p50: 200 %.1f / %.1f ms; "
                                + "refused %.1f / %.1f ms (ratio %.2f); warm-up off: 200 first %.0f ms, refused first %.0f ms",
                        hf.at("/first_200_first_ms/p50").asDouble(), hf.at("/first_200_second_ms/p50").asDouble(),
                        hf.at("/first_refused_first_ms/p50").asDouble(), hf.at("/first_refused_second_ms/p50").asDouble(),
                        hfRefused, hf.at("/first_200_warm_up_off_first_ms/p50").asDouble(),
                        hf.at("/first_refused_warm_up_off_first_ms/p50").asDouble())));
        if (hf != null) raw.put("http_first_call", hf);

        Map<String, Object> env = new LinkedHashMap<>();
        env.put("measured_at", Instant.now().toString());
        env.put("cpus", Runtime.getRuntime().availableProcessors());
        env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        // How busy the machine was as each part began (scripts/bench notes /proc/loadavg then).
        Path load = dir.resolve("load.txt");
        if (Files.exists(load)) env.put("load_average_at_each_part", Files.readAllLines(load));
        results.put("environment", env);
        results.put("raw", raw);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(dir.resolve("results.json").toFile(), results);

        System.out.println();
        System.out.printf("%-42s %12s  %-9s %-4s  %s%n", "benchmark", "value", "goal", "", "baseline / detail");
        for (Row r : rows)
            System.out.printf("%-42s %12s  %-9s %-4s  %s%n", r.key, r.value == null ? "n/a" : String.format("%.3f %s", r.value, r.unit).trim(),
                    r.goal, r.value == null ? "" : r.met ? "ok" : "MISS", r.baseline);
        System.out.println();
        System.out.println("written: " + dir.resolve("results.json"));
    }

    private static JsonNode read(Path p) throws IOException {
        return Files.exists(p) ? JSON.readTree(p.toFile()) : null;
    }
}
