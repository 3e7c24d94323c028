package dev.andon.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ScheduleStore} in a file: an append-only journal of JSON lines, each write committed
 * ({@code fsync}) before its stage completes. Opening replays it, keeps which fires were claimed
 * but not recorded as launched ({@link #unlaunched}: a crash between the two), and rewrites it as
 * one line per schedule.
 *
 * <h2>Threading</h2>
 * Thread-safe. Writes are queued for the store's own daemon thread ({@code andon-schedule-store}),
 * which commits whatever is queued with one {@code fsync} (a group commit) and then completes
 * their stages; {@link #close} commits what is queued and stops it. One process owns a journal.
 */
public final class JournalScheduleStore implements ScheduleStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalScheduleStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Write(String line, CompletableFuture<Void> done) {
    }

    private static final Write STOP = new Write(null, null);

    private final Path file;
    private final MemoryScheduleStore memory = new MemoryScheduleStore();
    private final FileChannel channel;
    private final FileChannel lock;
    private final LinkedBlockingQueue<Write> queue = new LinkedBlockingQueue<>();
    private final List<Fire> unlaunched = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread writer;
    private volatile boolean closed;

    private JournalScheduleStore(Path file, FileChannel channel, FileChannel lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.writer = new Thread(this::write, "andon-schedule-store");
        writer.setDaemon(true);
    }

    /**
     * Opens (or creates) the journal at {@code file}, replays and compacts it.
     *
     * @throws UncheckedIOException when it cannot be read or written (its message names the file)
     */
    public static JournalScheduleStore open(Path file) {
        FileChannel lockFile = null;
        try {
            if (file.getParent() != null) Files.createDirectories(file.getParent());
            // One process owns a journal: a second service on it would fire the same schedules.
            lockFile = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            if (lockFile.tryLock() == null)
                throw new IOException("in use by another andon serve (" + file.getFileName() + ".lock is locked)");
            JournalScheduleStore store = new JournalScheduleStore(file, null, null);
            if (Files.exists(file)) store.replay(Files.readAllLines(file, StandardCharsets.UTF_8));
            Path compacted = file.resolveSibling(file.getFileName() + ".new");
            Files.write(compacted, store.snapshot(), StandardCharsets.UTF_8);
            try (FileChannel c = FileChannel.open(compacted, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(compacted, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            JournalScheduleStore open = new JournalScheduleStore(file, channel, lockFile);
            store.memory.load().toCompletableFuture().join().forEach((job, s) ->
                    open.memory.restore(job, s, store.memory.claims(job)));
            open.unlaunched.addAll(store.unlaunched);
            open.writer.start();
            return open;
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            try {
                if (lockFile != null) lockFile.close();
            } catch (IOException ignored) {
                // the lock goes with the process anyway
            }
            IOException io = e instanceof IOException x ? x
                    : new IOException("in use by another schedule store of this process", e);
            throw new UncheckedIOException("schedule store " + file + ": " + io.getMessage(), io);
        }
    }

    private void replay(List<String> lines) {
        Map<String, JsonNode> unlaunched = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                // Only the last line can be torn (a crash while it was written): it was never committed.
                if (i == lines.size() - 1) log.warn("schedule store {}: its last line was cut short; left out", file);
                else log.warn("schedule store {}:{}: not a journal line; left out", file, i + 1);
                continue;
            }
            String job = n.path("job").asText();
            Fire fire = n.has("at") ? new Fire(job, Instant.parse(n.get("at").asText()), n.path("manual").asBoolean(),
                    n.path("missed").asBoolean()) : null;
            switch (n.path("op").asText()) {
                case "state" -> {
                    List<Instant> claims = new ArrayList<>();
                    n.path("claims").forEach(c -> claims.add(Instant.parse(c.asText())));
                    memory.restore(job, new State(instant(n, "handledThrough"), n.path("paused").asBoolean(),
                            instant(n, "lastFireAt"), text(n, "lastRunId"), n.path("fired").asLong(),
                            n.path("skipped").asLong(), n.path("missed").asLong()), claims);
                }
                case "begin" -> memory.begin(job, fire.at());
                case "claim" -> {
                    memory.claim(fire);
                    unlaunched.put(job + " " + fire.at() + " " + fire.manual(), n);
                }
                case "launched" -> {
                    memory.launched(fire, text(n, "run"), text(n, "reason"));
                    unlaunched.remove(job + " " + fire.at() + " " + fire.manual());
                }
                case "skipped" -> memory.skipped(fire, text(n, "reason"));
                case "release" -> {
                    memory.release(fire);
                    unlaunched.remove(job + " " + fire.at() + " " + fire.manual());
                }
                case "missed" -> memory.missed(job, instant(n, "through"), n.path("count").asLong());
                case "paused" -> memory.paused(job, n.path("paused").asBoolean(), fire.at());
                default -> log.warn("schedule store {}:{}: unknown entry {}; left out", file, i + 1, n.path("op"));
            }
        }
        unlaunched.values().forEach(n -> this.unlaunched.add(new Fire(n.path("job").asText(),
                Instant.parse(n.path("at").asText()), n.path("manual").asBoolean(), n.path("missed").asBoolean())));
    }

    /**
     * The fires claimed before the last stop whose launch was not recorded: the process died
     * between the claim and the launch. Whether their runs were submitted is the run store's to
     * say; {@link #release} those that were not.
     */
    public List<Fire> unlaunched() {
        return List.copyOf(unlaunched);
    }

    /** Takes back the claim of {@code fire}, whose run was never submitted: the catch-up may run it. */
    public CompletionStage<Void> release(Fire fire) {
        memory.release(fire);
        unlaunched.remove(fire);
        return append(entry("release", fire));
    }

    private List<String> snapshot() {
        List<String> out = new ArrayList<>();
        memory.load().toCompletableFuture().join().forEach((job, s) -> {
            ObjectNode n = JSON.createObjectNode().put("op", "state").put("job", job);
            put(n, "handledThrough", s.handledThrough());
            n.put("paused", s.paused());
            put(n, "lastFireAt", s.lastFireAt());
            if (s.lastRunId() != null) n.put("lastRunId", s.lastRunId());
            n.put("fired", s.fired()).put("skipped", s.skipped()).put("missed", s.missed());
            ArrayNode claims = n.putArray("claims");
            memory.claims(job).forEach(c -> claims.add(c.toString()));
            out.add(n.toString());
        });
        // Kept until the run store has said whether their runs were submitted.
        unlaunched.forEach(f -> out.add(entry("claim", f).toString()));
        return out;
    }

    private static void put(ObjectNode n, String key, Instant value) {
        if (value != null) n.put(key, value.toString());
    }

    private static Instant instant(JsonNode n, String key) {
        return n.hasNonNull(key) ? Instant.parse(n.get(key).asText()) : null;
    }

    private static String text(JsonNode n, String key) {
        return n.hasNonNull(key) ? n.get(key).asText() : null;
    }

    private static ObjectNode entry(String op, Fire fire) {
        return JSON.createObjectNode().put("op", op).put("job", fire.job()).put("at", fire.at().toString())
                .put("manual", fire.manual()).put("missed", fire.missed());
    }

    // ---- writes: the state in memory first (it answers reads), then the line, committed

    @Override
    public CompletionStage<Map<String, State>> load() {
        return memory.load();
    }

    @Override
    public CompletionStage<Void> begin(String job, Instant since) {
        memory.begin(job, since);
        return append(JSON.createObjectNode().put("op", "begin").put("job", job).put("at", since.toString()));
    }

    @Override
    public CompletionStage<Void> claim(Fire fire) {
        // Claims are decided in memory, in order, by the one scheduler that writes here.
        CompletionStage<Void> claimed = memory.claim(fire);
        if (claimed.toCompletableFuture().isCompletedExceptionally()) return claimed;
        return append(entry("claim", fire));
    }

    @Override
    public CompletionStage<Void> launched(Fire fire, String runId, String reason) {
        memory.launched(fire, runId, reason);
        unlaunched.remove(fire);
        ObjectNode n = entry("launched", fire);
        if (runId != null) n.put("run", runId);
        if (reason != null) n.put("reason", reason);
        return append(n);
    }

    @Override
    public CompletionStage<Void> skipped(Fire fire, String reason) {
        memory.skipped(fire, reason);
        return append(entry("skipped", fire).put("reason", reason));
    }

    @Override
    public CompletionStage<Void> missed(String job, Instant latest, long count) {
        memory.missed(job, latest, count);
        ObjectNode n = JSON.createObjectNode().put("op", "missed").put("job", job).put("count", count);
        put(n, "through", latest);
        return append(n);
    }

    @Override
    public CompletionStage<Void> paused(String job, boolean paused, Instant at) {
        memory.paused(job, paused, at);
        return append(JSON.createObjectNode().put("op", "paused").put("job", job).put("paused", paused)
                .put("at", at.toString()));
    }

    private CompletionStage<Void> append(ObjectNode entry) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.completeExceptionally(new IllegalStateException("schedule store " + file + " is closed"));
            return done;
        }
        queue.add(new Write(entry.toString() + "\n", done));
        return done;
    }

    private void write() {
        List<Write> batch = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                // only close() stops this thread, through STOP
                continue;
            }
            queue.drainTo(batch);
            stopping = batch.remove(STOP);
            if (!batch.isEmpty()) commit(batch);
            batch.clear();
        }
    }

    private void commit(List<Write> batch) {
        StringBuilder text = new StringBuilder();
        batch.forEach(w -> text.append(w.line()));
        ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
        // A failing disk is retried: a fire whose claim is not committed never starts its run.
        for (long backoff = 10; ; backoff = Math.min(backoff * 2, 5_000)) {
            try {
                while (bytes.hasRemaining()) channel.write(bytes);
                channel.force(false);
                batch.forEach(w -> w.done().complete(null));
                return;
            } catch (IOException e) {
                log.error("schedule store {}: cannot write ({}); retrying in {} ms", file, e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Commits what is queued and releases the file. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        queue.add(STOP);
        try {
            writer.join(10_000);
            channel.close();
            lock.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("schedule store {}: closing: {}", file, e.getMessage());
        }
    }

    /** Where it is, for messages. */
    public Path file() {
        return file;
    }

    /** For tests: what the journal's replay would give, by job (the schedule's state). */
    Map<String, State> states() {
        return new HashMap<>(memory.load().toCompletableFuture().join());
    }
}
