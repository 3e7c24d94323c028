package dev.andon.call;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * PostgreSQL cancels, many in one statement. PostgreSQL's own cancel ({@code cancelQuery()})
 * opens a new connection to the server for each statement it stops, and the server forks a
 * process to take each one, in turns: sixteen of them at once took about 50 ms on two cores, most
 * of it waiting for those forks. Here, once a {@code jdbc} call has run against a server, one
 * <em>control connection</em> per server and user is kept open, and the cancels asked for
 * meanwhile go out together as one {@code SELECT pg_cancel_backend(pid) FROM unnest(?)}: the
 * server signals every backend at once, as its own cancel does.
 *
 * <p>A cancel goes by pid, so it must never reach a backend that is no longer the call's: a
 * {@link Target} is held while its pid is in a statement in flight, and the call does not close
 * its connection (its backend, whose pid could then be reused) until that statement is back.
 *
 * <p>Whenever this cannot cancel (no control connection yet, its statement failed, closed), the
 * answer is {@code false} and the caller cancels the statement the driver's way; a control
 * connection that failed is dropped and opened again for the next call. One that has gone
 * unused for {@link #IDLE} is closed. {@link #close()} closes them all; it is called with the
 * instance's pools, after the runs' acks.
 */
final class PgCancels implements AutoCloseable {
    /** How long a control connection is kept once no call has used or warmed it. */
    static final Duration IDLE = Duration.ofSeconds(60);
    /** How long a first cancel waits for others that keep coming (each within {@link #GATHER_GAP_NANOS}). */
    private static final long GATHER_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long GATHER_GAP_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
    /** The longest a control connection's statement may take before it is given up for broken. */
    private static final int STATEMENT_SECONDS = 2;

    /** A statement to stop: its backend's pid, held while a cancel of it is in flight. */
    interface Target {
        /** The backend's pid. */
        int pid();

        /**
         * Whether a cancel may go to the pid now; if so, the target keeps its connection (and so
         * its backend) until {@link #release()}. {@code false} once the statement is over.
         */
        boolean hold();

        /** The cancel is back: the connection may be given up again. */
        void release();
    }

    /** Opens a control connection. */
    interface Opener {
        Connection open() throws Exception;
    }

    private final Executor executor;
    private final ScheduledThreadPoolExecutor idleCheck;
    private final Map<String, Channel> channels = new HashMap<>(); // guarded by this
    private boolean closed;                                         // guarded by this
    private long batches;                                           // guarded by this

    /** @param executor where control connections are opened and cancels sent: never a call's thread */
    PgCancels(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.idleCheck = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "andon-jdbc-cancel-idle");
            t.setDaemon(true);
            return t;
        });
        idleCheck.setKeepAliveTime(1, TimeUnit.SECONDS);
        idleCheck.allowCoreThreadTimeOut(true);
        idleCheck.setRemoveOnCancelPolicy(true);
    }

    /**
     * A call is about to run against the server {@code key} names: opens its control connection
     * in the background if there is none, so that an abort of this call is already one statement.
     */
    void warm(String key, Opener opener) {
        Channel channel;
        synchronized (this) {
            if (closed) return;
            channel = channels.computeIfAbsent(key, k -> new Channel(k, opener));
        }
        channel.warm();
    }

    /**
     * Cancels {@code target}'s statement with the others asked for meanwhile on {@code key}'s
     * control connection. Completes with {@code true} once the server has signalled its backend
     * or the statement was already over, {@code false} when the caller must cancel by itself.
     */
    CompletableFuture<Boolean> cancel(String key, Target target) {
        Channel channel;
        synchronized (this) {
            channel = closed ? null : channels.get(key);
        }
        return channel == null ? CompletableFuture.completedFuture(false) : channel.cancel(target);
    }

    /** Whether {@code key}'s control connection is open (for tests). */
    boolean ready(String key) {
        Channel channel;
        synchronized (this) {
            channel = channels.get(key);
        }
        if (channel == null) return false;
        synchronized (channel) {
            return channel.control != null;
        }
    }

    /** How many statements of cancels were sent (for tests). */
    synchronized long batches() {
        return batches;
    }

    private synchronized void sent() {
        batches++;
    }

    @Override
    public void close() {
        List<Channel> open;
        synchronized (this) {
            closed = true;
            open = new ArrayList<>(channels.values());
            channels.clear();
        }
        idleCheck.shutdownNow();
        for (Channel c : open) c.close();
    }

    private record Pending(Target target, CompletableFuture<Boolean> done) {
    }

    /** One server and user: its control connection and the cancels waiting for it. */
    private final class Channel {
        private final String key;
        private final Opener opener;
        // Guarded by this:
        private Connection control;
        private boolean opening;
        private boolean draining;
        private boolean gone;
        private long lastUsed;
        private boolean idleCheckArmed;
        private final List<Pending> queue = new ArrayList<>();

        Channel(String key, Opener opener) {
            this.key = key;
            this.opener = opener;
        }

        void warm() {
            synchronized (this) {
                lastUsed = System.nanoTime();
                if (gone || control != null || opening) return;
                opening = true;
            }
            run(this::open, () -> {
                synchronized (this) {
                    opening = false;
                }
            });
        }

        private void open() {
            Connection c = null;
            try {
                c = opener.open();
                c.setAutoCommit(true);
                c.setNetworkTimeout(executor, STATEMENT_SECONDS * 1000);
            } catch (Exception e) {
                JdbcCall.closeQuietly(c);
                c = null; // the calls cancel the driver's way; the next call tries again
            }
            synchronized (this) {
                opening = false;
                if (c != null && !gone) {
                    control = c;
                    c = null;
                    armIdleCheck();
                }
            }
            JdbcCall.closeQuietly(c);
        }

        CompletableFuture<Boolean> cancel(Target target) {
            Pending p = new Pending(target, new CompletableFuture<>());
            boolean start;
            synchronized (this) {
                if (gone || control == null) return CompletableFuture.completedFuture(false);
                lastUsed = System.nanoTime();
                queue.add(p);
                start = !draining;
                draining = true;
            }
            if (start) {
                run(this::drain, () -> {
                    List<Pending> left;
                    synchronized (this) {
                        draining = false;
                        left = new ArrayList<>(queue);
                        queue.clear();
                    }
                    left.forEach(q -> q.done().complete(false));
                });
            }
            return p.done();
        }

        /** Sends what is queued, batch after batch, until nothing is. */
        private void drain() {
            gather();
            while (true) {
                List<Pending> batch;
                Connection c;
                synchronized (this) {
                    if (queue.isEmpty() || control == null) {
                        draining = false;
                        batch = new ArrayList<>(queue);
                        queue.clear();
                        c = null;
                    } else {
                        batch = new ArrayList<>(queue);
                        queue.clear();
                        c = control;
                    }
                }
                if (c == null) {
                    batch.forEach(p -> p.done().complete(false));
                    return;
                }
                send(c, batch);
            }
        }

        /**
         * A run's siblings are aborted within microseconds of each other: waits while their cancels
         * keep coming (none for {@code GATHER_GAP}, or {@code GATHER_MAX} in all), so that they go
         * out in the first statement rather than one alone and then the rest.
         */
        private void gather() {
            long start = System.nanoTime();
            int seen = -1;
            while (System.nanoTime() - start < GATHER_MAX_NANOS) {
                int n;
                synchronized (this) {
                    n = queue.size();
                }
                if (n == seen) return;
                seen = n;
                LockSupport.parkNanos(GATHER_GAP_NANOS);
            }
        }

        private void send(Connection c, List<Pending> batch) {
            List<Pending> held = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                if (p.target().hold()) held.add(p);
                else p.done().complete(true); // its statement is over: nothing to stop
            }
            if (held.isEmpty()) return;
            Map<Integer, Boolean> signalled = new HashMap<>();
            try {
                Integer[] pids = held.stream().map(p -> p.target().pid()).toArray(Integer[]::new);
                Array array = c.createArrayOf("int4", pids);
                try (PreparedStatement st = c.prepareStatement("SELECT p, pg_cancel_backend(p) FROM unnest(?) AS p")) {
                    st.setQueryTimeout(STATEMENT_SECONDS);
                    st.setArray(1, array);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) signalled.put(rs.getInt(1), rs.getBoolean(2));
                    }
                }
                sent();
            } catch (SQLException | RuntimeException e) {
                drop(c); // the calls cancel the driver's way; a new one is opened for the next call
            } finally {
                for (Pending p : held) p.target().release();
            }
            for (Pending p : held) p.done().complete(Boolean.TRUE.equals(signalled.get(p.target().pid())));
        }

        private void drop(Connection c) {
            synchronized (this) {
                if (control == c) control = null;
            }
            JdbcCall.closeQuietly(c);
        }

        private void armIdleCheck() {
            if (idleCheckArmed || gone) return;
            idleCheckArmed = true;
            try {
                idleCheck.schedule(this::idleCheck, IDLE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                idleCheckArmed = false; // closing: close() closes the connection
            }
        }

        private void idleCheck() {
            Connection idle = null;
            synchronized (this) {
                idleCheckArmed = false;
                if (control == null) return;
                if (!draining && System.nanoTime() - lastUsed >= IDLE.toNanos()) {
                    idle = control;
                    control = null;
                } else {
                    armIdleCheck();
                }
            }
            JdbcCall.closeQuietly(idle);
        }

        void close() {
            Connection c;
            synchronized (this) {
                gone = true;
                c = control;
                control = null;
            }
            JdbcCall.closeQuietly(c);
        }

        /** Runs {@code task} on the executor; {@code refused} if the executor will not take it. */
        private void run(Runnable task, Runnable refused) {
            try {
                executor.execute(task);
            } catch (RejectedExecutionException e) {
                refused.run();
            }
        }

        @Override
        public String toString() {
            return "control connection " + key;
        }
    }
}
