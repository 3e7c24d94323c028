package dev.andon.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.ConfigFactory;
import dev.andon.Andon;
import dev.andon.call.AbortedException;
import dev.andon.testutil.LogRecorder;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The rules of a run's calls, on {@code andon.virtual-dispatcher}: each call on its own virtual
 * thread, no pool bounding them, the abort reaching a socket read by the interrupt alone, hooks,
 * grace, {@code ABANDONED} with its stack trace, a late completion after the system is gone, and
 * Andon's actors running on while every carrier thread is pinned. Java 21+ only: skipped (an
 * assumption) on 17, run in the JDK 25 pass.
 */
class VirtualThreadDispatcherTest {
    private static final String VIRTUAL = "andon.virtual-dispatcher";
    private static final AtomicInteger systems = new AtomicInteger();
    private static Andon andon;

    @RegisterExtension
    static final LogRecorder log = LogRecorder.forTestClass();

    @BeforeAll
    static void start() {
        assumeTrue(VirtualThreads.available(), VirtualThreads.unavailableMessage());
        andon = newAndon();
    }

    @AfterAll
    static void stop() {
        if (andon != null) andon.close();
    }

    @AfterEach
    void noDeadLetters() {
        assertEquals(List.of(), log.deadLetters(), "dead letters");
    }

    private static Andon newAndon() {
        return Andon.start(ConfigFactory.parseString("andon.shutdown.margin = 2s").withFallback(ConfigFactory.load()),
                "VirtualThreadDispatcherTest-" + systems.incrementAndGet());
    }

    private static JobSpec.Builder job(String name) {
        return JobSpec.builder(name).dispatcher(VIRTUAL);
    }

    private static RunReport run(Andon on, JobSpec job) throws Exception {
        return on.submit(job).report().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Test
    void shouldRunEveryCallAtOnceEachOnItsOwnVirtualThreadNamedAfterTheDispatcher() throws Exception {
        int calls = 1000; // far beyond any pool of platform threads Andon would configure
        CountDownLatch allIn = new CountDownLatch(calls);
        Set<String> names = ConcurrentHashMap.newKeySet();
        AtomicInteger virtual = new AtomicInteger();
        JobSpec.Builder b = job("wide").maxParallelism(calls);
        for (int i = 0; i < calls; i++)
            b.call("c" + i, ctx -> {
                names.add(Thread.currentThread().getName());
                if (VirtualThreads.isVirtual(Thread.currentThread())) virtual.incrementAndGet();
                allIn.countDown();
                // Returns only once every call is in: they all block at the same time.
                if (!allIn.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("not all calls ran at once");
                return null;
            });
        RunReport r = run(andon, b.build());
        assertEquals(RunStatus.SUCCEEDED, r.status(), () -> r.calls().stream().filter(c -> c.error() != null)
                .map(CallReport::error).findFirst().orElse(""));
        assertEquals(calls, virtual.get());
        assertEquals(calls, names.size(), "one thread per call");
        assertTrue(names.stream().allMatch(n -> n.matches("andon-virtual-\\d+")), names.iterator().next());
        assertTrue(r.calls().stream().allMatch(c -> c.thread().startsWith("andon-virtual-")));
    }

    @Test
    void shouldAbortSiblingsAndCancelTheQueueWhenOneFails() throws Exception {
        CountDownLatch running = new CountDownLatch(10);
        JobSpec.Builder b = job("fail-fast").maxParallelism(10);
        b.call("c0", ctx -> {
            running.countDown();
            running.await();
            throw new IllegalStateException("the one that fails");
        });
        for (int i = 1; i < 20; i++)
            b.call("c" + i, ctx -> {
                running.countDown();
                Thread.sleep(60_000);
                return null;
            });
        RunReport r = run(andon, b.build());
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals("c0", r.cause().call());
        assertEquals(9, r.calls().stream().filter(c -> c.status() == CallStatus.ABORTED).count());
        assertEquals(10, r.calls().stream().filter(c -> c.status() == CallStatus.CANCELLED).count());
        assertTrue(r.call("c1").error().startsWith(InterruptedException.class.getName()), r.call("c1").error());
    }

    /**
     * {@code b} with two calls: {@code reads} connects to {@code server} (its socket goes to
     * {@code client}) and blocks reading it, with no abort hook; {@code fails} fails 200 ms after
     * that connection, when the reader is in {@code read()} (or, if not yet, its read throws at once:
     * the same outcome).
     */
    private static JobSpec readsASilentSocket(JobSpec.Builder b, ServerSocket server, AtomicReference<Socket> client) {
        CountDownLatch connected = new CountDownLatch(1);
        return b.call("fails", ctx -> {
                    connected.await();
                    Thread.sleep(200);
                    throw new IllegalStateException("first");
                })
                .call("reads", ctx -> {
                    Socket s = new Socket("127.0.0.1", server.getLocalPort());
                    client.set(s);
                    connected.countDown();
                    return s.getInputStream().read();
                })
                .build();
    }

    /**
     * A call blocked in {@code InputStream.read} on a socket that no hook knows about: on a
     * virtual thread the abort's interrupt closes the socket and the read throws, so the call is
     * {@code ABORTED} within the grace. (On a platform thread the same call is {@code ABANDONED}:
     * an interrupt does not reach a socket read there.)
     */
    @Test
    void shouldUnblockASocketReadThatNoHookKnowsAboutByTheInterrupt() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            AtomicReference<Socket> accepted = new AtomicReference<>();
            Thread acceptor = new Thread(() -> {
                try {
                    accepted.set(server.accept()); // and never answers
                } catch (IOException e) {
                    // the server closed
                }
            });
            acceptor.start();
            AtomicReference<Socket> client = new AtomicReference<>();
            RunReport r = run(andon, readsASilentSocket(job("socket").abortGrace(Duration.ofSeconds(10)), server, client));
            CallReport reads = r.call("reads");
            assertEquals(CallStatus.ABORTED, reads.status());
            assertTrue(reads.error().startsWith(SocketException.class.getName()), reads.error());
            assertNotNull(reads.abortToAckMillis());
            assertTrue(reads.abortToAckMillis() < 10_000);
            assertTrue(client.get().isClosed(), "the interrupt closed the socket");
            acceptor.join(10_000);
            // The server's side sees the connection end.
            try (Socket peer = accepted.get(); InputStream in = peer.getInputStream()) {
                peer.setSoTimeout(10_000);
                assertEquals(-1, in.read());
            }
            assertEquals("fails", r.cause().call());
        }
    }

    /** The same call on a platform thread: the interrupt does not reach the read, and only the grace ends it. */
    @Test
    void shouldAbandonTheSameSocketReadOnAPlatformThread() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            AtomicReference<Socket> client = new AtomicReference<>();
            RunReport r = run(andon, readsASilentSocket(JobSpec.builder("socket-platform").abortGrace(Duration.ofMillis(300)),
                    server, client));
            CallReport reads = r.call("reads");
            assertEquals(CallStatus.ABANDONED, reads.status());
            assertTrue(reads.stackTrace().stream().anyMatch(l -> l.contains("SocketInputStream") || l.contains("NioSocketImpl")),
                    reads.stackTrace().toString());
            assertFalse(client.get().isClosed());
            client.get().close(); // lets the abandoned thread go (its late completion is logged at INFO)
        }
    }

    @Test
    void shouldRunEachHookOnceOffTheCallThread() throws Exception {
        List<String> hookThreads = new CopyOnWriteArrayList<>();
        AtomicReference<String> callThread = new AtomicReference<>();
        CountDownLatch registered = new CountDownLatch(1);
        CountDownLatch unblocked = new CountDownLatch(1);
        RunReport r = run(andon, job("hooks")
                .call("fails", ctx -> {
                    registered.await();
                    throw new IllegalStateException("first");
                })
                .call(CallSpec.of("hooked", ctx -> {
                    callThread.set(Thread.currentThread().getName());
                    ctx.onAbort(() -> {
                        hookThreads.add(Thread.currentThread().getName());
                        unblocked.countDown();
                    });
                    registered.countDown();
                    while (!unblocked.await(10, TimeUnit.SECONDS)) Thread.onSpinWait();
                    throw new AbortedException("unblocked by the hook");
                }).withInterruptOnAbort(false))
                .build());
        assertEquals(CallStatus.ABORTED, r.call("hooked").status());
        assertEquals(1, hookThreads.size(), hookThreads.toString());
        assertTrue(hookThreads.get(0).startsWith("andon-abort-hook-"), hookThreads.toString());
        assertTrue(callThread.get().startsWith("andon-virtual-"), callThread.get());
    }

    @Test
    void shouldTimeOutACallOnAVirtualThread() throws Exception {
        RunReport r = run(andon, job("timeout")
                .call(CallSpec.of("slow", ctx -> {
                    Thread.sleep(60_000);
                    return null;
                }).withTimeout(Duration.ofMillis(200)))
                .build());
        assertEquals(RunStatus.FAILED, r.status());
        assertEquals(CallStatus.TIMED_OUT, r.call("slow").status());
    }

    /**
     * A call that ignores its abort (it swallows the interrupt) is {@code ABANDONED} after the
     * grace, with its thread's stack; when it finally returns, after its Andon has terminated,
     * that is counted and logged once at INFO, and nothing else is said.
     */
    @Test
    void shouldAbandonADeafCallWithItsStackAndTakeItsLateCompletionQuietly() throws Exception {
        Andon own = newAndon();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(1);
        var handle = own.submit(job("deaf").abortGrace(Duration.ofMillis(200))
                .call("fails", ctx -> {
                    Thread.sleep(50);
                    throw new IllegalStateException("x");
                })
                .call("deaf", ctx -> {
                    try {
                        while (true) {
                            try {
                                release.await();
                                ctx.progress("still here"); // after the system is gone: goes nowhere, quietly
                                return "late";
                            } catch (InterruptedException ignored) {
                                // deaf
                            }
                        }
                    } finally {
                        finished.countDown();
                    }
                }).build());
        RunReport r = handle.report().toCompletableFuture().get(60, TimeUnit.SECONDS);
        CallReport deaf = r.call("deaf");
        assertEquals(CallStatus.ABANDONED, deaf.status());
        assertTrue(deaf.thread().startsWith("andon-virtual-"), deaf.thread());
        assertTrue(deaf.stackTrace().stream().anyMatch(l -> l.contains("CountDownLatch.await")), deaf.stackTrace().toString());
        assertTrue(deaf.stackTrace().stream().anyMatch(l -> l.contains(VirtualThreadDispatcherTest.class.getName())),
                deaf.stackTrace().toString());
        AndonStats stats = AndonStats.get(own.system());
        own.close();
        log.clear();

        release.countDown();
        assertTrue(finished.await(10, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && (stats.lateCompletions() == 0
                || log.containing("finished late").stream().noneMatch(l -> l.contains(handle.id()))))
            Thread.sleep(5);
        Thread.sleep(200); // anything that would be logged after the completion has time to be
        assertEquals(1, stats.lateCompletions());
        List<String> late = log.containing("finished late").stream().filter(l -> l.contains(handle.id())).toList();
        assertEquals(1, late.size(), log.containing("finished late").toString());
        assertTrue(late.get(0).startsWith("INFO") && late.get(0).contains("andon-virtual-"), late.get(0));
        assertEquals(List.of(), log.warningsAndErrors());
    }

    // ---- pinning

    private static volatile CountDownLatch pinned;

    /** In {@link PinsItsCarrier}'s initializer: counts in, then blocks until interrupted. */
    static void holdPinned() {
        pinned.countDown();
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // for the call to see after the initializer
        }
    }

    /** Initializes a fresh copy of {@link PinsItsCarrier} on this thread, pinning its carrier while it blocks. */
    private static void pinCarrier() throws Exception {
        byte[] bytes;
        try (InputStream in = PinsItsCarrier.class.getResourceAsStream("PinsItsCarrier.class")) {
            bytes = in.readAllBytes();
        }
        MethodHandles.lookup().defineHiddenClass(bytes, true);
    }

    /**
     * Every carrier thread pinned by a call blocked in a class initializer: Andon's actors do not
     * run on carriers, so meanwhile a run on platform threads fails fast and reports, the pinned
     * run answers for its live state, and its abort reaches every pinned call.
     */
    @Test
    void shouldKeepItsActorsRunningWhileEveryCarrierIsPinned() throws Exception {
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
        pinned = new CountDownLatch(carriers);
        JobSpec.Builder b = job("pinned").maxParallelism(carriers).abortGrace(Duration.ofSeconds(20));
        for (int i = 0; i < carriers; i++)
            b.call("p" + i, ctx -> {
                pinCarrier();
                ctx.checkpoint();
                return "not aborted";
            });
        List<Thread> actorThreads = new CopyOnWriteArrayList<>();
        var handle = andon.submit(b.build(), e -> actorThreads.add(Thread.currentThread()));
        assertTrue(pinned.await(30, TimeUnit.SECONDS), "every carrier pinned");
        // The premise: no other virtual thread can run now.
        CountDownLatch another = new CountDownLatch(1);
        VirtualThreads.factory("pinning-probe").newThread(another::countDown).start();
        assertFalse(another.await(300, TimeUnit.MILLISECONDS), "a virtual thread ran: not every carrier is pinned");

        RunReport platform = run(andon, JobSpec.builder("beside")
                .call("fails", ctx -> {
                    Thread.sleep(50);
                    throw new IllegalStateException("x");
                })
                .call("sleeps", ctx -> {
                    Thread.sleep(60_000);
                    return null;
                }).build());
        assertEquals(RunStatus.FAILED, platform.status());
        assertEquals(CallStatus.ABORTED, platform.call("sleeps").status());

        RunReport live = andon.snapshot(handle.id()).toCompletableFuture().get(10, TimeUnit.SECONDS).orElseThrow();
        assertEquals(RunStatus.RUNNING, live.status());
        assertEquals(carriers, live.calls().stream().filter(c -> c.status() == CallStatus.RUNNING).count());

        assertTrue(andon.abort(handle.id(), "unpin"));
        RunReport r = handle.report().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(RunStatus.ABORTED, r.status());
        assertTrue(r.calls().stream().allMatch(c -> c.status() == CallStatus.ABORTED), r.calls().toString());
        assertTrue(another.await(10, TimeUnit.SECONDS), "the carriers are free again");
        assertFalse(actorThreads.isEmpty());
        for (Thread t : actorThreads) {
            assertFalse(VirtualThreads.isVirtual(t), t.getName());
            assertFalse(t.getClass().getName().contains("CarrierThread"), t.getName());
            assertTrue(t.getName().contains("andon.actor-dispatcher"), t.getName());
        }
    }
}
