package dev.andon.store;

import dev.andon.run.RunStatus;
import dev.andon.run.Trigger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * The schedules' tables of a {@link JdbcRunStore} ({@code andon_schedule_fires},
 * {@code andon_schedules}), written in the writer's transaction: a fire's row, its schedule's
 * row and its run's row commit together or not at all. One instance per transaction segment,
 * on the writer's thread; it prepares its statements when first needed.
 */
final class JdbcSchedules implements AutoCloseable {
    private static final String TAKE_FIRE = "INSERT INTO andon_schedule_fires (job, fire_time, outcome, run_id, reason, "
            + "recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job, fire_time) DO NOTHING";
    /** handled_through moves forward only; a null one (a manual fire) leaves it. */
    private static final String LATER = "CASE WHEN excluded.handled_through IS NOT NULL AND (andon_schedules.handled_through "
            + "IS NULL OR andon_schedules.handled_through < excluded.handled_through) THEN excluded.handled_through "
            + "ELSE andon_schedules.handled_through END";
    private static final String FIRED = "INSERT INTO andon_schedules (job, handled_through, paused, last_fire_at, last_run_id, "
            + "fired, skipped, missed) VALUES (?, ?, 0, ?, ?, 1, 0, 0) ON CONFLICT (job) DO UPDATE SET "
            + "fired = andon_schedules.fired + 1, last_fire_at = excluded.last_fire_at, last_run_id = excluded.last_run_id, "
            + "handled_through = " + LATER;
    private static final String COUNTED = "INSERT INTO andon_schedules (job, handled_through, paused, fired, skipped, missed) "
            + "VALUES (?, ?, 0, 0, ?, ?) ON CONFLICT (job) DO UPDATE SET skipped = andon_schedules.skipped + excluded.skipped, "
            + "missed = andon_schedules.missed + excluded.missed, handled_through = " + LATER;
    private static final String BEGUN = "INSERT INTO andon_schedules (job, handled_through, paused, fired, skipped, missed) "
            + "VALUES (?, ?, 0, 0, 0, 0) ON CONFLICT (job) DO UPDATE SET "
            + "handled_through = COALESCE(andon_schedules.handled_through, excluded.handled_through)";
    private static final String PAUSED = "INSERT INTO andon_schedules (job, handled_through, paused, fired, skipped, missed) "
            + "VALUES (?, ?, ?, 0, 0, 0) ON CONFLICT (job) DO UPDATE SET paused = excluded.paused, handled_through = " + LATER;

    private final Connection c;
    private PreparedStatement takeFire;
    private PreparedStatement fired;
    private PreparedStatement counted;
    private PreparedStatement begun;
    private PreparedStatement paused;

    JdbcSchedules(Connection c) {
        this.c = c;
    }

    /**
     * Records the fire of {@code s}, when its trigger is a schedule's: {@code false} when its
     * (job, fire time) was recorded before (nothing written then).
     */
    boolean fired(RunStore.Submission s) throws SQLException {
        Trigger t = s.trigger();
        if (t.kind() != Trigger.Kind.SCHEDULE) return true;
        boolean manual = Boolean.TRUE.equals(t.manual());
        // A manual fire is no fire of the schedule: it takes no (job, fire time) and moves nothing the catch-up looks at.
        if (!manual && !take(s.job(), t.fireTime(), "fired", s.runId(), null, s.submittedAt())) return false;
        if (fired == null) fired = c.prepareStatement(FIRED);
        fired.setString(1, s.job());
        setInstant(fired, 2, manual ? null : t.fireTime());
        setInstant(fired, 3, t.fireTime());
        fired.setString(4, s.runId());
        fired.executeUpdate();
        return true;
    }

    void change(RunStore.ScheduleChange change) throws SQLException {
        if (change instanceof RunStore.ScheduleBegun b) {
            if (begun == null) begun = c.prepareStatement(BEGUN);
            begun.setString(1, b.job());
            setInstant(begun, 2, b.since());
            begun.executeUpdate();
        } else if (change instanceof RunStore.FireSkipped f) {
            if (f.manual() || take(f.job(), f.fireTime(), "skipped", null, f.reason(), Instant.now()))
                count(f.job(), f.manual() ? null : f.fireTime(), 1, 0);
        } else if (change instanceof RunStore.FiresMissed m) {
            count(m.job(), m.through(), 0, m.count());
        } else if (change instanceof RunStore.SchedulePaused p) {
            if (paused == null) paused = c.prepareStatement(PAUSED);
            paused.setString(1, p.job());
            setInstant(paused, 2, p.paused() ? null : p.at());
            paused.setInt(3, p.paused() ? 1 : 0);
            paused.executeUpdate();
        } else {
            throw new IllegalArgumentException("unknown schedule change " + change);
        }
    }

    private boolean take(String job, Instant at, String outcome, String runId, String reason, Instant now)
            throws SQLException {
        if (takeFire == null) takeFire = c.prepareStatement(TAKE_FIRE);
        takeFire.setString(1, job);
        takeFire.setLong(2, at.toEpochMilli());
        takeFire.setString(3, outcome);
        takeFire.setString(4, runId);
        takeFire.setString(5, reason);
        takeFire.setLong(6, now.toEpochMilli());
        return takeFire.executeUpdate() == 1;
    }

    private void count(String job, Instant through, long skipped, long missed) throws SQLException {
        if (counted == null) counted = c.prepareStatement(COUNTED);
        counted.setString(1, job);
        setInstant(counted, 2, through);
        counted.setLong(3, skipped);
        counted.setLong(4, missed);
        counted.executeUpdate();
    }

    private static void setInstant(PreparedStatement s, int i, Instant at) throws SQLException {
        if (at == null) s.setNull(i, Types.BIGINT);
        else s.setLong(i, at.toEpochMilli());
    }

    /** Every schedule recorded, with its last run's status as the store has it now. */
    static Map<String, RunStore.ScheduleState> read(Connection c) throws SQLException {
        Map<String, RunStore.ScheduleState> out = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT s.job, s.handled_through, s.paused, s.last_fire_at, "
                + "s.last_run_id, s.fired, s.skipped, s.missed, r.status, r.abort_at FROM andon_schedules s "
                + "LEFT JOIN andon_runs r ON r.id = s.last_run_id");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                Instant through = instant(rs, 2);
                Instant lastFire = instant(rs, 4);
                String status = rs.getString(9);
                RunStatus lastStatus = status == null ? null : RunStatus.valueOf(status);
                rs.getLong(10);
                if (lastStatus == RunStatus.RUNNING && !rs.wasNull()) lastStatus = RunStatus.ABORTING;
                out.put(rs.getString(1), new RunStore.ScheduleState(through, rs.getInt(3) != 0, lastFire, rs.getString(5),
                        lastStatus, rs.getLong(6), rs.getLong(7), rs.getLong(8)));
            }
        }
        return out;
    }

    private static Instant instant(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement s : new PreparedStatement[] {takeFire, fired, counted, begun, paused})
            if (s != null) s.close();
    }
}
