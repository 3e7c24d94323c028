package dev.andon.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.andon.run.CallReport;
import dev.andon.run.CallStatus;
import dev.andon.run.ReportJson;
import dev.andon.run.RunReport;
import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run store over JDBC: one SQL for SQLite and PostgreSQL, the schema made and migrated by
 * Flyway from {@code db/migration} (table {@code andon_schema_history}).
 *
 * <h2>Writes</h2>
 * One thread of its own, {@code andon-store-writer}, does every write: callers queue them and
 * return. It takes what is queued, waits up to {@code flush-interval} for more when it has only
 * call outcomes (a submission, a final report or a flush is written at once), and writes it all
 * in one transaction (group commit); then it completes the stages of what was committed. A
 * transaction that fails is rolled back, logged and retried with backoff, with the writes queued
 * meanwhile, until it succeeds. Nothing else ever interrupts that thread.
 *
 * <h2>SQLite</h2>
 * WAL mode, {@code synchronous = FULL} (a commit survives a power loss), and a busy timeout, so
 * that the service and {@code andon run} can write the same file: each waits for the other's
 * transaction rather than failing. The file and its folder are created readable by their owner
 * only.
 */
public final class JdbcRunStore implements RunStore {
    private static final Logger log = LoggerFactory.getLogger(JdbcRunStore.class);
    /** The newest schema version of {@code db/migration}. */
    static final String LATEST_VERSION = "4";
    /** Every version of {@code db/migration}: a store with each of them applied opens without Flyway. */
    private static final List<String> VERSIONS = List.of("1", "2", "3", "4");
    private static final String HISTORY_TABLE = "andon_schema_history";
    private static final int MAX_BATCH = 65_536;

    private static final ObjectMapper MAPPER = ReportJson.mapper().copy()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final ObjectWriter CALL_WRITER = MAPPER.writerFor(CallReport.class);
    private static final ObjectReader CALL_READER = MAPPER.readerFor(CallReport.class);
    private static final ObjectReader REPORT_READER = MAPPER.readerFor(RunReport.class);
    private static final ObjectReader TRIGGER_READER = MAPPER.readerFor(Trigger.class);
    private static final ObjectReader NAMES_READER = MAPPER.readerFor(new TypeReference<List<String>>() { });
    private static final CallLog CALL_LOG = new CallLog(CALL_WRITER, CALL_READER);

    private final StoreSettings settings;
    private final HikariDataSource dataSource;
    private final WriteQueue queue;
    private final java.util.concurrent.ConcurrentHashMap<String, CallBuffer> buffers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Thread writer;
    private final ExecutorService notifier;
    private volatile Thread notifierThread;
    private final ExecutorService readers;
    private final AtomicLong writeFailures = new AtomicLong();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile String failing;
    private volatile boolean closed;

    // ---- the writer's queue

    private sealed interface Op {
    }

    /** An op someone waits for: told from the notifier once committed (or failed). */
    private sealed interface Awaited extends Op {
        CompletableFuture<?> done();
    }

    private record Submit(Submission submission, CompletableFuture<Void> done) implements Awaited {
    }

    /**
     * The writer's cue that a live run has call entries in its buffer. What the writer took from
     * the buffer for a batch stays here, for a retry of the same batch.
     */
    private static final class Calls implements Op {
        final CallBuffer buffer;
        List<Object> taken;

        Calls(CallBuffer buffer) {
            this.buffer = buffer;
        }
    }

    /** A call's start, as a run's buffer keeps it (its end is its report). */
    private record Started(String call, Instant at) {
    }

    /**
     * A live run's call starts and ends the writer has not taken yet: whoever tells the store adds
     * to it, the writer takes it whole. One {@link Calls} is queued for it at a time, so a run of
     * 100,000 short calls is a few ops for the writer, not 200,000 (each one a queue node, and a
     * look at it in every pass over a batch).
     */
    private static final class CallBuffer {
        static final int CUE = 1;
        static final int FULL = 2;
        final String runId;
        private ArrayList<Object> entries = new ArrayList<>();
        private boolean queued;

        CallBuffer(String runId) {
            this.runId = runId;
        }

        /**
         * Adds an entry: {@link #CUE} if the writer is to be cued (no {@link Calls} of it is
         * queued), {@link #FULL} if this entry made the buffer a chunk ({@link #CHUNK_ENTRIES}),
         * which the writer should take now rather than at the end of its gathering, else 0.
         */
        synchronized int add(Object entry) {
            int last = entries.size() - 1;
            if (last >= 0 && entry instanceof CallReport r && entries.get(last) instanceof Started s
                    && s.call().equals(r.name())) {
                // Its start came just before and is not written yet: the end alone says both (a
                // call that starts and ends in one batch is written once, ended). So a run of
                // short calls, whose starts and ends come in pairs, needs no look-up at the writer.
                entries.set(last, entry);
                return 0; // the start queued the buffer already
            }
            entries.add(entry);
            if (!queued) {
                queued = true;
                return CUE;
            }
            return entries.size() == CHUNK_ENTRIES ? FULL : 0;
        }

        /** Whether the buffer holds a chunk or more. */
        synchronized boolean full() {
            return entries.size() >= CHUNK_ENTRIES;
        }

        /** What was added since the last take; the next add cues the writer again. */
        synchronized List<Object> take() {
            List<Object> taken = entries;
            entries = new ArrayList<>(Math.max(16, taken.size()));
            queued = false;
            return taken;
        }
    }

    private record Abort(String runId, String reason, Instant at) implements Op {
    }

    private record ProcessStarted(ProcessRecord process) implements Op {
    }

    private record Finish(RunReport report, CompletableFuture<Void> done) implements Awaited {
    }

    private record Schedule(ScheduleChange change, CompletableFuture<Void> done) implements Awaited {
    }

    /** Work done alone in the writer's transaction (prune, flush), after the batch before it. */
    private record Task(Function<Connection, Object> work, CompletableFuture<Object> done) implements Awaited {
    }

    private enum Stop implements Op { INSTANCE }

    /** What the writer may leave queued for a while: a call's start or end, an abort's request. */
    private static boolean routine(Op op) {
        return op instanceof Calls || op instanceof Abort;
    }

    /**
     * The writer's queue: any thread adds, the writer alone takes. A routine op wakes the writer
     * only when it waits for anything at all; while it gathers a batch it sleeps undisturbed by
     * them (a run of 100,000 short calls woke it for nearly every one: a blocking queue's poll
     * returns on each add), and only what someone waits for, a run's buffer grown to a chunk,
     * or its time, wakes it.
     */
    private static final class WriteQueue {
        private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
        // Set by the writer before it parks in take() and re-checks the queue; read by each add
        // after it queued: one of them sees the other (volatile), so no op is left unnoticed.
        private volatile boolean waitingForAny;
        private final Thread consumer;

        WriteQueue(Thread consumer) {
            this.consumer = consumer;
        }

        void add(Op op) {
            ops.add(op);
            // What someone waits for always wakes the writer (a permit, if it is busy: its next park returns at once).
            if (!routine(op) || waitingForAny) wake();
        }

        Op poll() {
            return ops.poll();
        }

        /** Wakes the writer, whatever it waits for (a permit, if it is busy: its next park returns at once). */
        void wake() {
            LockSupport.unpark(consumer);
        }

        /** Waits for an op, any op. */
        Op take() {
            while (true) {
                Op op = ops.poll();
                if (op != null) return op;
                waitingForAny = true;
                try {
                    op = ops.poll();
                    if (op != null) return op;
                    LockSupport.park(this);
                    Thread.interrupted(); // nobody interrupts the writer; if the JVM does, go on: what is queued must be written
                } finally {
                    waitingForAny = false;
                }
            }
        }

        /** Sleeps up to {@code nanos}, or until something someone waits for is queued (or, with {@code any}, anything). */
        void await(long nanos, boolean any) {
            if (!any) {
                LockSupport.parkNanos(this, nanos);
            } else {
                waitingForAny = true;
                try {
                    if (ops.isEmpty()) LockSupport.parkNanos(this, nanos);
                } finally {
                    waitingForAny = false;
                }
            }
            Thread.interrupted(); // as in take()
        }

        /** Moves up to {@code max} ops to {@code to}; whether one of them is not routine. */
        boolean drainTo(List<Op> to, int max) {
            boolean urgent = false;
            for (int i = 0; i < max; i++) {
                Op op = ops.poll();
                if (op == null) break;
                to.add(op);
                if (!routine(op)) urgent = true;
            }
            return urgent;
        }
    }

    private JdbcRunStore(StoreSettings settings, HikariDataSource dataSource) {
        this.settings = settings;
        this.dataSource = dataSource;
        AtomicInteger n = new AtomicInteger();
        this.readers = Executors.newFixedThreadPool(Math.max(1, settings.poolSize() - 1), r -> {
            Thread t = new Thread(r, "andon-store-reader-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        // What waits for a commit (a 202, a run's end, a fire) goes on from here, not from the
        // writer: the writer would otherwise run their continuations (an HTTP answer's JSON, the
        // registry's news) between commits, and write less. One thread: in commit order.
        this.notifier = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "andon-store-done");
            t.setDaemon(true);
            notifierThread = t;
            return t;
        });
        this.writer = new Thread(this::writeLoop, "andon-store-writer");
        this.queue = new WriteQueue(writer);
        // Not a daemon: the JVM waits for what is queued to be committed (close() stops it).
        writer.setDaemon(false);
        writer.start();
    }

    /**
     * Opens the store {@code settings} describe (sqlite or postgresql), creating or migrating its
     * schema.
     *
     * @throws StoreException with one line when it cannot be opened or migrated
     */
    public static JdbcRunStore open(StoreSettings settings) {
        HikariDataSource ds = switch (settings.kind()) {
            case SQLITE -> sqlite(settings);
            case POSTGRESQL -> postgresql(settings);
            case MEMORY -> throw new IllegalArgumentException("a memory store is a MemoryRunStore");
        };
        try {
            migrate(ds, settings, null);
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new JdbcRunStore(settings, ds);
    }

    /**
     * Migrates the schema at {@code settings} up to {@code target} (null: the newest) and closes
     * it: for tests of upgrades from an older version.
     */
    static void migrateOnly(StoreSettings settings, String target) {
        try (HikariDataSource ds = settings.kind() == StoreSettings.Kind.SQLITE ? sqlite(settings) : postgresql(settings)) {
            migrate(ds, settings, target);
        }
    }

    private static HikariDataSource sqlite(StoreSettings settings) {
        Path file = settings.path();
        String where = "store " + file;
        try {
            Path dir = file.getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!Files.exists(file)) {
                try {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (FileAlreadyExistsException raced) {
                    // another Andon made it first
                }
            }
            if (!Files.isReadable(file) || !Files.isWritable(file))
                throw new StoreException(where + ": no permission to read and write it");
        } catch (IOException e) {
            throw new StoreException(where + ": cannot create it: " + describe(e), e);
        } catch (UnsupportedOperationException e) {
            throw new StoreException(where + ": the file system has no POSIX permissions", e);
        }
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("andon-store");
        hc.setJdbcUrl("jdbc:sqlite:" + file);
        hc.addDataSourceProperty("journal_mode", "WAL");
        hc.addDataSourceProperty("synchronous", "FULL");
        hc.addDataSourceProperty("busy_timeout", Long.toString(settings.busyTimeout().toMillis()));
        hc.setMaximumPoolSize(settings.poolSize());
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(Math.max(250, settings.connectTimeout().toMillis()));
        hc.setInitializationFailTimeout(Math.max(1, settings.connectTimeout().toMillis()));
        return pool(hc, where);
    }

    private static HikariDataSource postgresql(StoreSettings settings) {
        String where = "store " + settings.url();
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("andon-store");
        hc.setJdbcUrl(settings.url());
        if (!settings.user().isEmpty()) hc.setUsername(settings.user());
        if (!settings.passwordEnv().isEmpty()) {
            String password = System.getenv(settings.passwordEnv());
            if (password == null)
                throw new StoreException(where + ": " + StoreSettings.PATH + ".password-env names " + settings.passwordEnv()
                        + ", which is not set in the environment");
            hc.setPassword(password);
        }
        hc.addDataSourceProperty("connectTimeout", Long.toString(Math.max(1, settings.connectTimeout().toSeconds())));
        hc.setMaximumPoolSize(settings.poolSize());
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(Math.max(250, settings.connectTimeout().toMillis()));
        hc.setInitializationFailTimeout(Math.max(1, settings.connectTimeout().toMillis()));
        return pool(hc, where);
    }

    private static HikariDataSource pool(HikariConfig hc, String where) {
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new StoreException(where + ": cannot connect: " + rootMessage(e), e);
        }
    }

    private static void migrate(DataSource ds, StoreSettings settings, String target) {
        String where = "store " + settings.describe();
        if (target == null && atLatest(ds)) return;
        try {
            // Out of order: a version made on another branch may land below one a store already has.
            var config = Flyway.configure(JdbcRunStore.class.getClassLoader()).dataSource(ds).table(HISTORY_TABLE)
                    .locations("classpath:db/migration").loggers("slf4j").outOfOrder(true);
            if (target != null) config = config.target(target);
            config.load().migrate();
        } catch (RuntimeException e) {
            // Two processes may create a new SQLite file's schema at once (SQLite has no lock
            // Flyway can take); the one that lost finds it made.
            if (target == null && atLatest(ds)) return;
            throw new StoreException(where + ": cannot create or migrate its schema: " + rootMessage(e), e);
        }
    }

    /** Whether the schema has every one of {@link #VERSIONS}: a cheap check, so that a store opens without Flyway. */
    private static boolean atLatest(DataSource ds) {
        try (Connection c = ds.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT version, success FROM " + HISTORY_TABLE);
             ResultSet rs = s.executeQuery()) {
            java.util.Set<String> applied = new java.util.HashSet<>();
            while (rs.next()) {
                String v = rs.getString(1);
                if (v != null && VERSIONS.contains(v) && rs.getBoolean(2)) applied.add(v);
                else if (v != null && !rs.getBoolean(2)) return false;
                else if (v != null && compareVersions(v, LATEST_VERSION) > 0)
                    throw new StoreException("store: its schema is at version " + v + ", newer than this Andon knows ("
                            + LATEST_VERSION + "): use a newer Andon");
            }
            return applied.containsAll(VERSIONS);
        } catch (SQLException e) {
            return false; // no history table yet
        }
    }

    private static int compareVersions(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m).trim();
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied (" + e.getMessage() + ")";
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    // ---- writes

    private void enqueue(Op op) {
        if (closed) {
            refuseClosed(op, "");
            return;
        }
        pending.incrementAndGet();
        queue.add(op);
    }

    /** After close: nothing may be lost silently, but there is nowhere to write it; whoever waits is told. */
    private void refuseClosed(Op op, String when) {
        refuseClosed(op.getClass().getSimpleName(), when);
        if (op instanceof Awaited a) a.done().completeExceptionally(new StoreException("the store is closed"));
    }

    private void refuseClosed(String what, String when) {
        log.warn("store {} is closed; not recording {}{}", settings.describe(), what, when);
    }

    @Override
    public CompletionStage<Void> submitted(Submission submission) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(new Submit(submission, done));
        return done;
    }

    @Override
    public void callStarted(String runId, String call, Instant at) {
        buffer(runId, new Started(call, at));
    }

    @Override
    public void callFinished(String runId, CallReport report) {
        buffer(runId, report);
    }

    private void buffer(String runId, Object entry) {
        if (closed) {
            refuseClosed(entry instanceof Started ? "a call's start" : "a call's outcome", "");
            return;
        }
        CallBuffer b = buffers.get(runId);
        if (b == null) b = buffers.computeIfAbsent(runId, CallBuffer::new);
        pending.incrementAndGet();
        int added = b.add(entry);
        if (added == CallBuffer.CUE) queue.add(new Calls(b));
        else if (added == CallBuffer.FULL) queue.wake(); // a chunk: the writer need not gather any longer for it
    }

    @Override
    public void abortRequested(String runId, String reason, Instant at) {
        enqueue(new Abort(runId, reason, at));
    }

    @Override
    public void processStarted(ProcessRecord process) {
        enqueue(new ProcessStarted(process));
    }

    @Override
    public CompletionStage<Void> finished(RunReport report) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(new Finish(report, done));
        return done;
    }

    @Override
    public CompletionStage<Void> scheduleChanged(ScheduleChange change) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        enqueue(new Schedule(java.util.Objects.requireNonNull(change, "change"), done));
        return done;
    }

    @Override
    public CompletionStage<Void> flush() {
        return task(c -> null).thenApply(x -> null);
    }

    @Override
    public int prune(int maxRuns, Duration maxAge, Instant now) {
        return (Integer) task(c -> pruneIn(c, maxRuns, maxAge, now)).join();
    }

    private CompletableFuture<Object> task(Function<Connection, Object> work) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        enqueue(new Task(work, done));
        return done;
    }

    private void writeLoop() {
        List<Op> batch = new ArrayList<>();
        Writer w = new Writer();
        boolean stop = false;
        while (!stop) {
            Op first = queue.poll();
            boolean waited = first == null;
            if (waited) first = queue.take();
            batch.add(first);
            boolean urgent = queue.drainTo(batch, MAX_BATCH - batch.size()) || !routine(first);
            // Only call outcomes, and the queue was empty: wait a little for more, so that a
            // run of many short calls is written in a few transactions, not one per call.
            if (waited && !urgent) gather(batch);
            // A schedule's fire, and the queue was empty: the other fires of the same time are
            // on their way (a timer each): take them while they keep coming, for one commit.
            else if (waited && hasFire(batch)) gatherFires(batch);
            stop = batch.contains(Stop.INSTANCE);
            int entries = take(batch);
            w.writeWithRetry(batch);
            pending.addAndGet(-entries);
            batch.clear();
        }
        w.close();
    }

    /**
     * Takes what the batch's runs have buffered, once (a retry writes the same), and forgets the
     * buffers of the runs it finishes (their last entries came before their end); how many
     * writes the batch holds.
     */
    private int take(List<Op> batch) {
        int n = 0;
        for (Op op : batch) {
            if (op instanceof Calls c) {
                c.taken = c.buffer.take();
                n += c.taken.size();
            } else {
                if (op instanceof Finish f) buffers.remove(f.report().id());
                n++;
            }
        }
        return n;
    }

    /**
     * Waits up to the flush interval for more, while only call entries are queued: until someone
     * waits for something, or a run's buffer holds a chunk ({@link #CHUNK_ENTRIES}). So a long
     * run of short calls is written as it goes, chunk after chunk (each batch takes what came
     * while the last one was written), and its end waits for the commit of the last chunk only,
     * not of everything since the last flush interval.
     */
    private void gather(List<Op> batch) {
        long deadline = System.nanoTime() + settings.flushInterval().toNanos();
        while (batch.size() < MAX_BATCH && !holdsChunk(batch)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return;
            queue.await(left, false);
            if (queue.drainTo(batch, MAX_BATCH - batch.size())) return;
        }
    }

    private static boolean holdsChunk(List<Op> batch) {
        for (Op op : batch) if (op instanceof Calls c && c.buffer.full()) return true;
        return false;
    }

    /** How many call entries of one run make a chunk, which the writer writes without waiting for the flush interval. */
    static final int CHUNK_ENTRIES = 8_192;

    /** How long the fires of one time may be apart and still be gathered, and how long at most they are waited for. */
    private static final long FIRE_GAP_NANOS = TimeUnit.MICROSECONDS.toNanos(500);
    private static final long FIRE_GATHER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private void gatherFires(List<Op> batch) {
        long start = System.nanoTime();
        long last = start;
        while (batch.size() < MAX_BATCH) {
            long now = System.nanoTime();
            long left = Math.min(last + FIRE_GAP_NANOS, start + FIRE_GATHER_NANOS) - now;
            if (left <= 0) return;
            queue.await(left, true);
            int before = batch.size();
            queue.drainTo(batch, MAX_BATCH - batch.size());
            if (batch.size() > before) last = System.nanoTime();
        }
    }

    private static boolean hasFire(List<Op> batch) {
        for (Op op : batch)
            if (op instanceof Submit s && s.submission().trigger().kind() == Trigger.Kind.SCHEDULE
                    && !Boolean.TRUE.equals(s.submission().trigger().manual())) return true;
        return false;
    }

    /** The writer thread's connection and statements, remade after a failure. */
    private final class Writer {
        private Connection conn;
        private long backoffNanos;
        // The submissions of the transaction being written whose fire was recorded before.
        private final java.util.Set<Op> refused = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

        void writeWithRetry(List<Op> batch) {
            backoffNanos = settings.retryBackoff().toNanos();
            while (true) {
                try {
                    if (conn == null) {
                        conn = dataSource.getConnection();
                        conn.setAutoCommit(false);
                    }
                    refused.clear();
                    List<Object> results = write(conn, batch, refused);
                    conn.commit();
                    if (failing != null) {
                        log.info("store {}: writes succeed again", settings.describe());
                        failing = null;
                    }
                    List<Op> waited = awaited(batch);
                    if (!waited.isEmpty()) {
                        java.util.Set<Op> notWritten = refused.isEmpty() ? java.util.Set.of() : java.util.Set.copyOf(refused);
                        notifier.execute(() -> complete(waited, results, notWritten));
                    }
                    return;
                } catch (SQLException | RuntimeException e) {
                    writeFailures.incrementAndGet();
                    rollbackAndClose();
                    String reason = rootMessage(e);
                    if (failing == null || !failing.equals(reason))
                        log.warn("store {}: a write failed ({} waiting); retrying: {}", settings.describe(), batch.size(), reason);
                    log.debug("store write failure", e);
                    failing = reason;
                    if (closed && batch.contains(Stop.INSTANCE) && backoffNanos >= settings.maxRetryBackoff().toNanos()) {
                        log.error("store {}: closing with {} writes not recorded: {}", settings.describe(), batch.size(), reason);
                        List<Op> waited = awaited(batch);
                        notifier.execute(() -> fail(waited, e));
                        return;
                    }
                    sleep(backoffNanos);
                    backoffNanos = Math.min(backoffNanos * 2, Math.max(1, settings.maxRetryBackoff().toNanos()));
                }
            }
        }

        private void rollbackAndClose() {
            if (conn == null) return;
            try {
                conn.rollback();
            } catch (SQLException ignored) {
                // the connection is broken anyway
            }
            try {
                conn.close();
            } catch (SQLException ignored) {
                // as above
            }
            conn = null;
        }

        void close() {
            if (conn == null) return;
            try {
                conn.close();
            } catch (SQLException ignored) {
                // closing
            }
            conn = null;
        }
    }

    private static void sleep(long nanos) {
        long end = System.nanoTime() + nanos;
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                // not ours to stop on
            }
        }
    }

    /** The ops of {@code batch} that someone waits for (a future each), in order. */
    private static List<Op> awaited(List<Op> batch) {
        List<Op> waited = new ArrayList<>();
        for (Op op : batch) if (op instanceof Awaited) waited.add(op);
        return waited;
    }

    private static void complete(List<Op> batch, List<Object> results, java.util.Set<Op> refused) {
        int i = 0;
        for (Op op : batch) {
            if (op instanceof Submit s) {
                if (refused.contains(s)) {
                    Trigger t = s.submission().trigger();
                    s.done().completeExceptionally(new FiredBefore(s.submission().job(), t.fireTime()));
                } else {
                    s.done().complete(null);
                }
            } else if (op instanceof Finish f) f.done().complete(null);
            else if (op instanceof Schedule c) c.done().complete(null);
            else if (op instanceof Task t) t.done().complete(results.get(i++));
        }
    }

    private static void fail(List<Op> batch, Throwable e) {
        for (Op op : batch) if (op instanceof Awaited a) a.done().completeExceptionally(e);
    }

    private static final String INSERT_RUN = "INSERT INTO andon_runs (id, job, status, trigger_kind, trigger_json, "
            + "rerun_of, spec, posted, call_names, call_count, submitted_at, owner_host, owner_boot, owner_pid, owner_start) "
            + "VALUES (?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String CALL_LOG_ROW = "INSERT INTO andon_call_log (run_id, seq, entries) VALUES (?, ?, ?)";
    private static final String ABORT = "UPDATE andon_runs SET abort_reason = ?, abort_at = ? WHERE id = ? AND abort_at IS NULL";
    private static final String PROCESS = "INSERT INTO andon_processes (run_id, call_name, pid, start_time, boot_id, kill_grace_ms) "
            + "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, call_name, pid) DO NOTHING";
    private static final String FINISH = "UPDATE andon_runs SET status = ?, finished_at = ?, duration_ms = ?, "
            + "abort_reason = COALESCE(?, abort_reason), report = ? WHERE id = ?";

    /**
     * Writes {@code batch} in {@code c}'s transaction; returns the results of its tasks, in order,
     * and adds to {@code refused} the submissions it did not write (their fire was recorded before).
     */
    private static List<Object> write(Connection c, List<Op> batch, java.util.Set<Op> refused) throws SQLException {
        List<Object> results = new ArrayList<>();
        // Runs first, then calls, then what ends runs; a task sees everything queued before it.
        List<Op> segment = new ArrayList<>();
        for (Op op : batch) {
            if (op instanceof Task t) {
                writeSegment(c, segment, refused);
                segment.clear();
                results.add(t.work().apply(c));
            } else if (op != Stop.INSTANCE) {
                segment.add(op);
            }
        }
        writeSegment(c, segment, refused);
        return results;
    }

    /** Orders the call-log rows a process writes (a run's rows are read back in this order). */
    private static final AtomicLong SEQ = new AtomicLong(System.currentTimeMillis() * 1000);

    private static void writeSegment(Connection c, List<Op> ops, java.util.Set<Op> refused) throws SQLException {
        if (ops.isEmpty()) return;
        try (JdbcSchedules schedules = new JdbcSchedules(c)) {
            // A fire first: a submission whose fire was recorded before is not written at all.
            for (Op op : ops)
                if (op instanceof Submit s && !schedules.fired(s.submission())) refused.add(s);
            writeRunsAndCalls(c, ops, refused);
            for (Op op : ops)
                if (op instanceof Schedule ch) schedules.change(ch.change());
        }
    }

    private static void writeRunsAndCalls(Connection c, List<Op> ops, java.util.Set<Op> refused) throws SQLException {
        // A run's call entries of this transaction: one row of andon_call_log.
        Map<String, CallLog.Text> texts = new LinkedHashMap<>();
        try (PreparedStatement runs = c.prepareStatement(INSERT_RUN);
             PreparedStatement log = c.prepareStatement(CALL_LOG_ROW);
             PreparedStatement aborts = c.prepareStatement(ABORT);
             PreparedStatement processes = c.prepareStatement(PROCESS);
             PreparedStatement finishes = c.prepareStatement(FINISH)) {
            int nRuns = 0, nAborts = 0, nProcesses = 0, nFinishes = 0;
            for (Op op : ops) {
                if (op instanceof Submit s) {
                    if (refused.contains(s)) continue;
                    bindRun(runs, s.submission());
                    runs.addBatch();
                    nRuns++;
                } else if (op instanceof Calls calls) {
                    writeCalls(texts.computeIfAbsent(calls.buffer.runId, id -> CALL_LOG.text()), calls.taken);
                } else if (op instanceof Abort a) {
                    aborts.setString(1, a.reason());
                    aborts.setLong(2, a.at().toEpochMilli());
                    aborts.setString(3, a.runId());
                    aborts.addBatch();
                    nAborts++;
                } else if (op instanceof ProcessStarted p) {
                    ProcessRecord r = p.process();
                    processes.setString(1, r.runId());
                    processes.setString(2, r.call());
                    processes.setLong(3, r.pid());
                    processes.setLong(4, r.startTime());
                    processes.setString(5, r.bootId());
                    processes.setLong(6, r.killGrace().toMillis());
                    processes.addBatch();
                    nProcesses++;
                } else if (op instanceof Finish f) {
                    bindFinish(finishes, f.report());
                    finishes.addBatch();
                    nFinishes++;
                }
            }
            if (nRuns > 0) runs.executeBatch();
            if (!texts.isEmpty()) {
                for (Map.Entry<String, CallLog.Text> e : texts.entrySet()) {
                    String entries = e.getValue().take(); // its builder kept for the next transaction's
                    if (entries.isEmpty()) continue;
                    log.setString(1, e.getKey());
                    log.setLong(2, SEQ.incrementAndGet());
                    log.setString(3, entries);
                    log.addBatch();
                }
                log.executeBatch();
            }
            if (nAborts > 0) aborts.executeBatch();
            if (nProcesses > 0) processes.executeBatch();
            if (nFinishes > 0) finishes.executeBatch();
        }
    }

    /**
     * A run's entries of this batch into its text; a call that started and ended in it is written
     * once, ended. Most such starts were already replaced by their ends as they came (see
     * {@link CallBuffer#add}); the few left (a start and its end with other calls' news between
     * them) are looked up here, in a set of those starts alone.
     */
    private static void writeCalls(CallLog.Text text, List<Object> entries) {
        java.util.Set<String> starts = null;
        for (Object e : entries) {
            if (e instanceof Started s) {
                if (starts == null) starts = new java.util.HashSet<>();
                starts.add(s.call());
            }
        }
        java.util.Set<String> endedToo = java.util.Set.of();
        if (starts != null) {
            endedToo = new java.util.HashSet<>();
            for (Object e : entries)
                if (e instanceof CallReport r && starts.contains(r.name())) endedToo.add(r.name());
        }
        for (Object e : entries) {
            if (e instanceof Started s) {
                if (!endedToo.contains(s.call())) text.started(s.call(), s.at());
            } else {
                text.finished((CallReport) e);
            }
        }
    }

    private static void bindRun(PreparedStatement s, Submission sub) throws SQLException {
        s.setString(1, sub.runId());
        s.setString(2, sub.job());
        s.setString(3, sub.trigger().kind().wireName());
        s.setString(4, ReportJson.toJson(sub.trigger()));
        s.setString(5, sub.trigger().rerunOf());
        s.setString(6, sub.spec());
        s.setInt(7, sub.posted() ? 1 : 0);
        s.setString(8, CallLog.names(sub.calls()));
        s.setInt(9, sub.calls().size());
        s.setLong(10, sub.submittedAt().toEpochMilli());
        Owner o = sub.owner();
        s.setString(11, o.host());
        s.setString(12, o.bootId());
        s.setLong(13, o.pid());
        s.setLong(14, o.startTime());
    }

    private static void bindFinish(PreparedStatement s, RunReport report) throws SQLException {
        s.setString(1, report.status().name());
        setLong(s, 2, report.finishedAt() == null ? null : report.finishedAt().toEpochMilli());
        setLong(s, 3, report.durationMillis());
        s.setString(4, report.abortReason());
        // The calls are in andon_call_log, each written as it ended: not a second time here.
        RunReport bare = report.withCalls(List.of());
        s.setString(5, ReportJson.toJson(bare));
        s.setString(6, report.id());
    }

    private static void setLong(PreparedStatement s, int i, Long v) throws SQLException {
        if (v == null) s.setNull(i, Types.BIGINT);
        else s.setLong(i, v);
    }

    private static String json(ObjectWriter w, Object v) {
        try {
            return w.writeValueAsString(v);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + v.getClass().getName() + " as JSON", e);
        }
    }

    private static int pruneIn(Connection c, int maxRuns, Duration maxAge, Instant now) {
        try {
            List<String> doomed = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM andon_runs WHERE finished_at IS NOT NULL "
                    + "ORDER BY finished_at DESC, id DESC LIMIT ? OFFSET ?")) {
                s.setInt(1, 100_000);
                s.setInt(2, maxRuns);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) doomed.add(rs.getString(1));
                }
            }
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM andon_runs WHERE finished_at IS NOT NULL "
                    + "AND finished_at < ?")) {
                s.setLong(1, now.minus(maxAge).toEpochMilli());
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) doomed.add(rs.getString(1));
                }
            }
            List<String> ids = doomed.stream().distinct().toList();
            // A pruned run's fire goes with it: its schedule's handled_through keeps it from firing again.
            for (String table : new String[] {"andon_calls", "andon_call_log", "andon_processes", "andon_schedule_fires"}) {
                try (PreparedStatement s = c.prepareStatement("DELETE FROM " + table + " WHERE run_id = ?")) {
                    for (String id : ids) {
                        s.setString(1, id);
                        s.addBatch();
                    }
                    if (!ids.isEmpty()) s.executeBatch();
                }
            }
            try (PreparedStatement s = c.prepareStatement("DELETE FROM andon_runs WHERE id = ? AND finished_at IS NOT NULL")) {
                for (String id : ids) {
                    s.setString(1, id);
                    s.addBatch();
                }
                if (!ids.isEmpty()) s.executeBatch();
            }
            // Skipped fires are kept as long as runs are.
            try (PreparedStatement s = c.prepareStatement("DELETE FROM andon_schedule_fires WHERE run_id IS NULL AND fire_time < ?")) {
                s.setLong(1, now.minus(maxAge).toEpochMilli());
                s.executeUpdate();
            }
            return ids.size();
        } catch (SQLException e) {
            throw new StoreWriteException(e);
        }
    }

    /** An SQLException inside a task, carried out of a Function. */
    private static final class StoreWriteException extends RuntimeException {
        StoreWriteException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }

    // ---- reads

    private static final String SUMMARY_COLUMNS = "id, job, status, trigger_json, submitted_at, finished_at, duration_ms, "
            + "call_count, abort_at";

    @Override
    public Optional<StoredRun> run(String id) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + SUMMARY_COLUMNS
                    + ", spec, posted, call_names, owner_host, owner_boot, owner_pid, owner_start, report "
                    + "FROM andon_runs WHERE id = ?")) {
                s.setString(1, id);
                try (ResultSet rs = s.executeQuery()) {
                    if (!rs.next()) return Optional.empty();
                    return Optional.of(storedRun(c, rs));
                }
            }
        });
    }

    private StoredRun storedRun(Connection c, ResultSet rs) throws SQLException {
        RunSummary summary = summary(rs);
        String namesText = rs.getString("call_names");
        List<String> names = CallLog.isJsonNames(namesText) ? parse(NAMES_READER, namesText) : CallLog.names(namesText);
        String reportJson = rs.getString("report");
        long ownerPid = rs.getLong("owner_pid");
        Owner owner = rs.wasNull() ? null : new Owner(rs.getString("owner_host"), rs.getString("owner_boot"), ownerPid,
                rs.getLong("owner_start"));
        RunReport report = null;
        String spec = rs.getString("spec");
        boolean posted = rs.getInt("posted") != 0;
        if (reportJson != null) {
            RunReport bare = parse(REPORT_READER, reportJson);
            Map<String, CallReport> byName = new HashMap<>();
            for (CallRow row : callsIn(c, summary.id())) if (row.report() != null) byName.put(row.name(), row.report());
            List<CallReport> calls = new ArrayList<>(names.size());
            for (String n : names) {
                CallReport call = byName.get(n);
                calls.add(call != null ? call : new CallReport(n, CallStatus.CANCELLED, 0, null, null, null, null, null, null,
                        null, null, null, null));
            }
            report = bare.withCalls(calls).withTrigger(summary.trigger());
        }
        long abort = rs.getLong("abort_at");
        Instant abortAt = rs.wasNull() ? null : Instant.ofEpochMilli(abort);
        return new StoredRun(summary, spec, posted, names, owner, abortAt, report);
    }

    private static RunSummary summary(ResultSet rs) throws SQLException {
        long finished = rs.getLong("finished_at");
        Instant finishedAt = rs.wasNull() ? null : Instant.ofEpochMilli(finished);
        long duration = rs.getLong("duration_ms");
        Long durationMillis = rs.wasNull() ? null : duration;
        RunStatus status = RunStatus.valueOf(rs.getString("status"));
        rs.getLong("abort_at");
        if (status == RunStatus.RUNNING && !rs.wasNull()) status = RunStatus.ABORTING;
        return new RunSummary(rs.getString("id"), rs.getString("job"), status,
                parse(TRIGGER_READER, rs.getString("trigger_json")), Instant.ofEpochMilli(rs.getLong("submitted_at")),
                finishedAt, durationMillis, rs.getInt("call_count"));
    }

    @Override
    public List<RunSummary> runs(RunQuery q) {
        return read(c -> {
            StringBuilder sql = new StringBuilder("SELECT " + SUMMARY_COLUMNS + " FROM andon_runs WHERE 1 = 1");
            List<Object> args = new ArrayList<>();
            if (q.job() != null) {
                sql.append(" AND job = ?");
                args.add(q.job());
            }
            if (q.status() != null) {
                if (q.status() == RunStatus.RUNNING || q.status() == RunStatus.ABORTING) {
                    sql.append(" AND status = 'RUNNING' AND abort_at IS ").append(q.status() == RunStatus.RUNNING ? "NULL" : "NOT NULL");
                } else {
                    sql.append(" AND status = ?");
                    args.add(q.status().name());
                }
            }
            if (q.before() != null) {
                Long at = submittedAt(c, q.before());
                if (at == null) throw new IllegalArgumentException("no run \"" + q.before() + "\" in the store");
                sql.append(" AND (submitted_at < ? OR (submitted_at = ? AND id < ?))");
                args.add(at);
                args.add(at);
                args.add(q.before());
            }
            sql.append(" ORDER BY submitted_at DESC, id DESC LIMIT ?");
            args.add(q.limit());
            try (PreparedStatement s = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) s.setObject(i + 1, args.get(i));
                List<RunSummary> list = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) list.add(summary(rs));
                }
                return list;
            }
        });
    }

    private static Long submittedAt(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT submitted_at FROM andon_runs WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    @Override
    public List<StoredRun> unfinished() {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement("SELECT " + SUMMARY_COLUMNS
                    + ", spec, posted, call_names, owner_host, owner_boot, owner_pid, owner_start, report "
                    + "FROM andon_runs WHERE finished_at IS NULL ORDER BY submitted_at, id")) {
                List<StoredRun> list = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) list.add(storedRun(c, rs));
                }
                return list;
            }
        });
    }

    @Override
    public List<CallRow> calls(String runId) {
        return read(c -> callsIn(c, runId));
    }

    @Override
    public Map<String, ScheduleState> schedules() {
        return read(JdbcSchedules::read);
    }

    @Override
    public Map<String, RunRecords> records(List<String> runIds) {
        return read(c -> {
            Map<String, RunRecords> map = new LinkedHashMap<>();
            try (PreparedStatement legacy = c.prepareStatement(LEGACY_CALLS);
                 PreparedStatement log = c.prepareStatement(CALL_LOG_OF_RUN);
                 PreparedStatement processes = c.prepareStatement(PROCESSES_OF_RUN)) {
                for (String id : runIds) map.put(id, new RunRecords(callsIn(legacy, log, id), processesIn(processes, id)));
            }
            return map;
        });
    }

    private static final String LEGACY_CALLS = "SELECT name, status, started_at, report FROM andon_calls WHERE run_id = ?";
    private static final String CALL_LOG_OF_RUN = "SELECT entries FROM andon_call_log WHERE run_id = ? ORDER BY seq";
    private static final String PROCESSES_OF_RUN = "SELECT call_name, pid, start_time, boot_id, kill_grace_ms "
            + "FROM andon_processes WHERE run_id = ?";

    private static List<CallRow> callsIn(Connection c, String runId) throws SQLException {
        try (PreparedStatement legacy = c.prepareStatement(LEGACY_CALLS); PreparedStatement log = c.prepareStatement(CALL_LOG_OF_RUN)) {
            return callsIn(legacy, log, runId);
        }
    }

    private static List<CallRow> callsIn(PreparedStatement legacy, PreparedStatement log, String runId) throws SQLException {
        Map<String, CallRow> rows = new LinkedHashMap<>();
        // A row a call each in stores written by Andons of schema version 2 and before.
        legacy.setString(1, runId);
        try (ResultSet rs = legacy.executeQuery()) {
            while (rs.next()) {
                long started = rs.getLong(3);
                Instant startedAt = rs.wasNull() ? null : Instant.ofEpochMilli(started);
                String report = rs.getString(4);
                rows.put(rs.getString(1), new CallRow(rs.getString(1), CallStatus.valueOf(rs.getString(2)), startedAt,
                        report == null ? null : parse(CALL_READER, report)));
            }
        }
        log.setString(1, runId);
        try (ResultSet rs = log.executeQuery()) {
            while (rs.next()) CALL_LOG.read(rs.getString(1), rows);
        }
        return new ArrayList<>(rows.values());
    }

    @Override
    public List<ProcessRecord> processes(String runId) {
        return read(c -> {
            try (PreparedStatement s = c.prepareStatement(PROCESSES_OF_RUN)) {
                return processesIn(s, runId);
            }
        });
    }

    private static List<ProcessRecord> processesIn(PreparedStatement s, String runId) throws SQLException {
        s.setString(1, runId);
        List<ProcessRecord> list = new ArrayList<>();
        try (ResultSet rs = s.executeQuery()) {
            while (rs.next())
                list.add(new ProcessRecord(runId, rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getString(4),
                        Duration.ofMillis(rs.getLong(5))));
        }
        return list;
    }

    private interface Read<T> {
        T apply(Connection c) throws SQLException;
    }

    private <T> T read(Read<T> read) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(true);
            return read.apply(c);
        } catch (SQLException e) {
            throw new StoreException("store " + settings.describe() + ": cannot read: " + rootMessage(e), e);
        }
    }

    private static <T> T parse(ObjectReader reader, String json) {
        try {
            return reader.readValue(json);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable JSON in the store: " + e.getMessage(), e);
        }
    }

    @Override
    public Executor readExecutor() {
        return readers;
    }

    @Override
    public Health health() {
        return new Health(failing, writeFailures.get(), pending.get());
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    /** The settings this store was opened with. */
    public StoreSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        if (closed) return;
        queue.add(Stop.INSTANCE);
        pending.incrementAndGet();
        closed = true;
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        // An op enqueued by a thread that saw the store open as close() began came after the
        // writer's stop: nobody will write it, and whoever waits for it is told so.
        for (Op op; (op = queue.poll()) != null; ) {
            if (op == Stop.INSTANCE) continue;
            if (op instanceof Calls c) {
                List<Object> taken = c.buffer.take();
                pending.addAndGet(-taken.size());
                refuseClosed(taken.size() + " call entries of run " + c.buffer.runId, " (they came as the store closed)");
            } else {
                pending.decrementAndGet();
                refuseClosed(op, " (it came as the store closed)");
            }
        }
        // What the writer committed last is told before close returns (unless a continuation
        // of this very thread closes the store: it cannot wait for itself).
        notifier.shutdown();
        if (Thread.currentThread() != notifierThread) {
            long boundMillis = settings.busyTimeout().toMillis() + 10_000;
            while (true) {
                try {
                    if (!notifier.awaitTermination(boundMillis, TimeUnit.MILLISECONDS))
                        log.warn("store {}: its commits' continuations did not end within {} ms", settings.describe(),
                                boundMillis);
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        readers.shutdown();
        dataSource.close();
        if (interrupted) Thread.currentThread().interrupt();
    }

    @Override
    public String toString() {
        return "JdbcRunStore[" + settings.describe() + "]";
    }
}
