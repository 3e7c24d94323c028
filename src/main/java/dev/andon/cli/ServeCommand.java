package dev.andon.cli;

import com.typesafe.config.ConfigException;
import dev.andon.Andon;
import dev.andon.AndonSettings;
import dev.andon.call.HttpWarmUp;
import dev.andon.config.Catalog;
import dev.andon.service.AndonService;
import dev.andon.service.ServiceSettings;
import dev.andon.service.ShutdownSummary;
import dev.andon.store.Recovery;
import dev.andon.store.RunStore;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sun.misc.Signal;

/**
 * {@code andon serve}: the long-running HTTP service until SIGTERM or SIGINT.
 *
 * <h2>Signals</h2>
 * SIGTERM or SIGINT runs Akka's CoordinatedShutdown: the port is unbound, every live run is aborted
 * (reason {@code shutdown}) and its report awaited (bounded by the abort grace plus
 * {@code andon.shutdown.margin}), then the actor system terminates; a one-line summary is logged and
 * the command exits 0. A second signal exits at once (130) without waiting for the calls.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Runs the HTTP service on andon.http.host:andon.http.port until SIGTERM or SIGINT, which abort "
                + "the live runs, await their reports and exit 0.")
final class ServeCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    @Mixin
    ConfigOption config;

    // scripts/andon's, before it spends seconds making a class-data archive: a configuration the
    // service would refuse is said at once, in the service's own words, and nothing is made.
    @picocli.CommandLine.Option(names = "--preflight", hidden = true,
            description = "Checks what serve checks before it starts (configuration, settings, the port) and exits.")
    boolean preflight;

    private final AtomicReference<String> signalled = new AtomicReference<>();
    private volatile Andon andon;

    @Override
    public Integer call() throws InterruptedException {
        Setup.Loaded loaded = Setup.load(config.file, System.err);
        if (loaded == null) return ExitCodes.CONFIG;
        ServiceSettings settings;
        com.typesafe.config.Config system;
        try {
            settings = ServiceSettings.from(loaded.config());
            settings.checkSecure();
            system = AndonService.systemConfig(loaded.config(), loaded.catalog());
        } catch (ServiceSettings.InsecureSettingsException | ConfigException | IllegalArgumentException e) {
            System.err.println("andon: " + e.getMessage());
            return ExitCodes.CONFIG;
        }

        // Akka would log a bind failure with a stack trace; a port in use is the user's to fix.
        String busy = portInUse(settings);
        if (busy != null) {
            System.err.println("andon: cannot listen on " + settings.host() + ":" + settings.port() + ": " + busy);
            return ExitCodes.CONFIG;
        }
        if (preflight) return ExitCodes.OK;
        // While the store opens and the actor system starts: the catalog's first http call then costs what the next ones do.
        if (AndonSettings.from(loaded.config()).httpWarmUp()
                && HttpWarmUp.wanted(loaded.catalog().entries().values().stream().map(Catalog.Entry::spec).toList()))
            HttpWarmUp.inBackground();
        // The store opens (and recovery runs) on a thread of its own while the actor system
        // starts: the start costs the longer of the two, not their sum. Nothing is served before
        // recovery is done.
        CompletableFuture<RunStore> opened = new CompletableFuture<>();
        CompletableFuture<Recovery.Result> recovery = new CompletableFuture<>();
        Thread opener = new Thread(() -> {
            try {
                RunStore s = StoreSetup.open(loaded.config(), System.err);
                opened.complete(s);
                if (s == null) recovery.complete(null);
                else recovery.complete(StoreSetup.recover(s, loaded.config()));
            } catch (Throwable e) {
                opened.completeExceptionally(e);
                recovery.completeExceptionally(e);
                return;
            }
            warmUpTls();
        }, "andon-store-open");
        opener.start();
        Setup.handleSignals(this::onSignal);
        try {
            andon = Setup.startAndon(system, () -> {
                RunStore s = joined(opened);
                if (s == null) throw new StoreNotOpened();
                return s;
            }, System.err);
        } catch (StoreNotOpened e) {
            // Said in one line by StoreSetup.open; the actor system is gone already.
            return ExitCodes.CONFIG;
        }
        RunStore store = joined(opened);
        Recovery.Result recovered = joined(recovery);
        if (andon == null) {
            // The actor system did not start (said in one line): the store opened all the same.
            if (store != null) store.close();
            return ExitCodes.CONFIG;
        }
        AndonService service;
        try {
            service = AndonService.start(andon, Setup.catalogFor(loaded, andon), settings,
                    java.time.Clock.systemUTC(), recovered).toCompletableFuture().join();
        } catch (CompletionException e) {
            System.err.println("andon: cannot listen on " + settings.host() + ":" + settings.port() + ": "
                    + rootMessage(e));
            stop(Duration.ofSeconds(10));
            return ExitCodes.CONFIG;
        }
        int jobs = loaded.catalog().names().size();
        log.info("andon serving on http://{}:{} ({} {}{}){}; store {}: {} interrupted run(s) recovered, {} orphan "
                        + "process(es) stopped", service.address().getHostString(),
                service.address().getPort(), jobs, jobs == 1 ? "job" : "jobs",
                jobs == 0 ? "" : ": " + String.join(", ", loaded.catalog().names()),
                settings.authRequired() ? ", bearer token required" : "", store.describe(),
                recovered.interrupted().size(), recovered.orphansKilled());
        if (signalled.get() != null) andon.shutdown();

        andon.whenTerminated().toCompletableFuture().join();
        awaitStoreClosed(loaded.config());
        try {
            ShutdownSummary summary = service.summary().toCompletableFuture().getNow(null);
            log.info("andon stopped ({}): {}", signalled.get() == null ? "shutdown" : signalled.get(),
                    summary == null ? "no summary" : summary);
        } catch (CompletionException e) {
            log.info("andon stopped ({}): {}", signalled.get(), rootMessage(e));
        }
        return ExitCodes.OK;
    }

    /**
     * Waits for the run store to close (sqlite: its log checkpointed into the file, a write to
     * disk) before "stopped" is said: the process's exit would wait for that write anyway, after
     * the line that says it is done (seen: 2.1 s after "stopped" on a busy disk).
     */
    private void awaitStoreClosed(com.typesafe.config.Config config) throws InterruptedException {
        Duration bound = config.getDuration("andon.store.busy-timeout").plus(config.getDuration("andon.shutdown.margin"));
        try {
            andon.whenClosed().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("the run store did not close within {} ms; exiting without waiting for it", bound.toMillis());
        } catch (ExecutionException e) {
            log.warn("closing the run store failed", e.getCause());
        }
    }

    // Runs on the JVM's signal-dispatch thread: it only asks, never waits.
    private void onSignal(Signal signal) {
        String name = "SIG" + signal.getName();
        if (!signalled.compareAndSet(null, name)) {
            System.err.println("andon: " + name + " again: exiting without waiting for the calls");
            Runtime.getRuntime().halt(ExitCodes.SIGNALLED);
        }
        log.info("{}: shutting down: aborting live runs and waiting for their reports (send it again to exit at once)",
                name);
        Andon a = andon;
        if (a != null) a.shutdown();
    }

    private void stop(Duration bound) throws InterruptedException {
        try {
            andon.shutdown().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.debug("shutdown after a failed start: {}", e.toString());
        }
    }

    /** Why {@code settings}' address cannot be bound now, or {@code null} when it can. */
    private static String portInUse(ServiceSettings settings) {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress(settings.host(), settings.port()));
            return null;
        } catch (java.io.IOException e) {
            return e.getMessage();
        }
    }

    /**
     * What Akka HTTP's bind does first (TLSPlacebo: the JDK's default SSL context and an engine's
     * session, ~180 classes and the trust store, even for plain HTTP), done while the main thread
     * still starts the actor system. A failure here is the bind's to report.
     */
    private static void warmUpTls() {
        try {
            javax.net.ssl.SSLContext.getDefault().createSSLEngine().getSession();
        } catch (java.security.GeneralSecurityException | RuntimeException e) {
            log.debug("TLS warm-up: {}", e.toString());
        }
    }

    /** A store that did not open: StoreSetup.open has said why. */
    private static final class StoreNotOpened extends RuntimeException {
        StoreNotOpened() {
            super("the run store did not open", null, false, false);
        }
    }

    /** {@code f}'s value, or what it failed with, unwrapped. */
    private static <T> T joined(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error r) throw r;
            throw e;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
