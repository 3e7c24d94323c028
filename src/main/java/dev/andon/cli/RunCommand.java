package dev.andon.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.AndonSettings;
import dev.andon.AndonSettings;
import dev.andon.RunHandle;
import dev.andon.call.HttpWarmUp;
import dev.andon.config.Catalog;
import dev.andon.config.ConfigLoader;
import dev.andon.run.JobSpec;
import dev.andon.run.ReportJson;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.timeline.TimelineSvg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.andon.run.Trigger;
import dev.andon.store.Reruns;
import dev.andon.store.RunStore;
import dev.andon.config.KindContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/**
 * {@code andon run JOB}: one run of a catalog job in the foreground.
 *
 * <h2>Signals</h2>
 * SIGINT and SIGTERM abort the run (reason {@code SIGINT} or {@code SIGTERM}); the command waits
 * for every call's acknowledgement (or the abort grace), prints the report, shuts Andon down and
 * exits 130. A second signal exits at once. Handling the signals here, rather than through the
 * JVM's shutdown hooks, keeps the order: report first, then shutdown, then exit.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs a job of the catalog once, in the foreground: live progress on a terminal, event lines "
                + "otherwise (stderr), then the results (stdout). SIGINT or SIGTERM aborts the run.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Parameters(index = "0", paramLabel = "JOB", description = "The job to run (`andon check` lists them).")
    String job;

    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print the report as JSON on stdout, and nothing else there.")
    boolean json;

    @Option(names = "--timeline", paramLabel = "FILE.svg",
            description = "Also write the run's timeline as a standalone SVG picture to FILE.svg.")
    Path timeline;
    @Option(names = "--no-record", description = "Do not record the run in the store (andon.store).")
    boolean noRecord;

    /** For {@code andon rerun}: the stored run whose spec runs again (instead of JOB from the catalog). */
    String rerunOf;
    /** For {@code andon rerun --all}: every call, not only those that did not succeed. */
    boolean rerunAll;

    private final AtomicReference<String> signalled = new AtomicReference<>();
    private volatile Andon andon;
    private volatile String runId;
    private volatile RunDisplay display;
    // One report reaches stdout: the final one, or (on a second signal) what was known then.
    private final AtomicBoolean reportClaimed = new AtomicBoolean();
    private final CountDownLatch reportPrinted = new CountDownLatch(1);

    @Override
    public Integer call() throws InterruptedException {
        Setup.Loaded loaded = Setup.load(config.file, System.err);
        if (loaded == null) return ExitCodes.CONFIG;
        Optional<Catalog.Entry> entry = rerunOf != null ? Optional.empty() : loaded.catalog().entry(job);
        if (rerunOf == null && entry.isEmpty()) {
            System.err.println("andon: no job \"" + job + "\" in " + ConfigLoader.display(loaded.file()) + "; jobs: "
                    + (loaded.catalog().names().isEmpty() ? "(none)" : String.join(", ", loaded.catalog().names())));
            return ExitCodes.CONFIG;
        }
        // While the store opens and the actor system starts: the first http call then costs what the next ones do.
        boolean warmUp = AndonSettings.from(loaded.config()).httpWarmUp();
        CompletableFuture<?> warmedUp = warmUp && entry.isPresent() && HttpWarmUp.wanted(List.of(entry.get().spec()))
                ? HttpWarmUp.inBackground() : null;
        Config config = runConfig(loaded.config());
        RunStore store = RunStore.NONE;
        if (!noRecord) {
            store = StoreSetup.open(config, System.err);
            if (store == null) return ExitCodes.CONFIG;
            StoreSetup.recover(store, config);
        }
        Setup.handleSignals(this::onSignal);
        andon = Setup.startAndon(config, store, System.err);
        if (andon == null) {
            store.close();
            return ExitCodes.CONFIG;
        }
        JobSpec spec;
        if (rerunOf == null) {
            spec = Setup.catalogFor(loaded, andon).entry(job).orElseThrow().spec();
        } else {
            spec = rerunSpec(loaded, store);
            if (spec == null) {
                shutDown(null);
                return ExitCodes.CONFIG;
            }
        }
        if (warmUp && rerunOf != null && HttpWarmUp.wanted(List.of(spec))) warmedUp = HttpWarmUp.inBackground();
        // Whatever of it is left is waited for here rather than by the first http call.
        if (warmedUp != null) HttpWarmUp.awaitQuietly(warmedUp);
        Trigger trigger = rerunOf == null ? Trigger.CLI : Trigger.rerun(rerunOf);
        ReportWarmUp.inBackground(spec, json);
        RunReport report;
        Rehearsal rehearsal = null;
        AutoCloseable routedLog = null;
        try {
            RunDisplay display = new RunDisplay(spec, System.console() != null, System.err,
                    config.getDuration("andon.cli.event-lines-delay"));
            this.display = display;
            routedLog = DisplayedLog.to(display);
            RunHandle handle = andon.submit(spec, display, trigger);
            runId = handle.id();
            if (signalled.get() != null) andon.abort(runId, signalled.get());
            rehearsal = Rehearsal.startIfEnabled(config);
            report = awaitReport(handle);
            // Rendered while the display prints its last lines, printed after them.
            String rendered = report == null ? null : json ? ReportJson.toJson(report) + System.lineSeparator()
                    : ResultsTable.render(report);
            if (report != null && timeline != null) writeTimeline(report, timeline);
            display.awaitShown(Duration.ofSeconds(2));
            // The report is final once every call has acknowledged: print it first, then shut down.
            if (rendered != null && reportClaimed.compareAndSet(false, true)) {
                System.out.print(rendered);
                System.out.flush();
                reportPrinted.countDown();
            }
        } finally {
            if (rehearsal != null) rehearsal.finish();
            shutDown(spec);
            if (routedLog != null) closeQuietly(routedLog);
        }
        if (report == null) return signalled.get() != null ? ExitCodes.SIGNALLED : ExitCodes.RUN_FAILED;
        if (signalled.get() != null || report.status() == RunStatus.ABORTED) return ExitCodes.SIGNALLED;
        return report.status() == RunStatus.SUCCEEDED ? ExitCodes.OK : ExitCodes.RUN_FAILED;
    }

    /**
     * The configuration {@code andon run} starts Andon with: {@code andon.cli.scheduler-tick} as
     * Akka's scheduler tick, and a CoordinatedShutdown that never exits the JVM itself (whatever
     * {@code akka.coordinated-shutdown.exit-jvm} says), so that the exit status is the run's.
     */
    static Config runConfig(Config config) {
        return ConfigFactory.parseMap(Map.of(
                "akka.scheduler.tick-duration", config.getDuration("andon.cli.scheduler-tick").toMillis() + "ms",
                "akka.coordinated-shutdown.exit-jvm", "off")).withFallback(config);
    }

    /** Writes the timeline of {@code report} to {@code file}; a failure is one line on stderr, not the run's. */
    static void writeTimeline(RunReport report, Path file) {
        try {
            Files.writeString(file, TimelineSvg.render(report, report.finishedAt()));
        } catch (IOException | RuntimeException e) {
            System.err.println("andon: cannot write the timeline to " + file + ": " + e.getMessage());
        }
    }

    private static RunReport awaitReport(RunHandle handle) {
        try {
            return handle.report().toCompletableFuture().join();
        } catch (CompletionException e) {
            System.err.println("andon: the run did not start: " + e.getCause().getMessage());
            return null;
        }
    }

    // Runs on the JVM's signal-dispatch thread: it only asks, never waits.
    private void onSignal(Signal signal) {
        String name = "SIG" + signal.getName();
        if (!signalled.compareAndSet(null, name)) exitNow(name);
        System.err.println("andon: " + name + ": aborting the run, waiting for every call to stop "
                + "(send it again to exit at once)");
        Andon a = andon;
        String id = runId;
        if (a != null && id != null) a.abort(id, name);
    }

    /**
     * A second signal: SIGKILL to every process the calls started (no orphan survives the exit),
     * what is known of the report on stdout, and exit 130 without waiting for the calls.
     */
    private void exitNow(String signal) {
        // What is known is taken before the kills: the calls they end would otherwise show as
        // ended by Andon's own SIGKILL a moment before the exit.
        RunDisplay d = display;
        RunReport known = d == null ? null : d.knownSoFar(signalled.get());
        boolean ours = reportClaimed.compareAndSet(false, true);
        int trees = dev.andon.call.CommandCall.killAllProcessesNow();
        System.err.println("andon: " + signal + " again: exiting without waiting for the calls"
                + (trees == 0 ? "" : "; killed the processes of " + trees + (trees == 1 ? " command" : " commands"))
                + (ours && known != null ? "; the report as known now:" : ""));
        if (ours) {
            if (known != null) {
                System.out.print(json ? ReportJson.toJson(known) + System.lineSeparator() : ResultsTable.render(known));
                System.out.flush();
            }
        } else {
            // The run ended meanwhile and its final report is being printed: let it finish, briefly.
            try {
                reportPrinted.await(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Runtime.getRuntime().halt(ExitCodes.SIGNALLED);
    }

    /** The stored run's spec to run again, or null after one line saying why it cannot be. */
    private JobSpec rerunSpec(Setup.Loaded loaded, RunStore store) {
        try {
            Optional<RunStore.StoredRun> run = store.run(rerunOf);
            if (run.isEmpty()) {
                System.err.println("andon: no run \"" + rerunOf + "\" in the store " + store.describe());
                return null;
            }
            KindContext kinds = new KindContext(loaded.config(), loaded.catalog().kinds(), andon.httpClient(),
                    andon::jdbcPools, null);
            return Reruns.spec(run.get(), rerunAll, kinds, kinds.kinds().names());
        } catch (Reruns.NotRerunnable | dev.andon.store.StoreException e) {
            System.err.println("andon: " + e.getMessage());
            return null;
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("could not stop showing the log through the run's display", e);
        }
    }

    /** Shuts Andon down, bounded: the run is over, so this is quick unless a call was abandoned. */
    private void shutDown(JobSpec spec) throws InterruptedException {
        Andon a = andon;
        if (a == null) return;
        Duration grace = spec == null ? Duration.ZERO : spec.abortGrace();
        Duration bound = grace.plus(a.system().settings().config().getDuration("andon.shutdown.margin"));
        try {
            a.shutdown().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("Andon did not shut down within {}; exiting anyway", bound);
        } catch (java.util.concurrent.ExecutionException e) {
            log.warn("Andon shutdown failed; exiting anyway", e.getCause());
        }
    }
}
