-- Version 3: what `andon serve`'s schedules must remember across restarts, in the store with the
-- runs. A fire that starts a run is written in the transaction of the run's submission, and
-- (job, fire_time) is unique: a second attempt at the same fire (a restart, a second service on
-- the same store) is refused by the constraint, and its run is not written either.

CREATE TABLE andon_schedule_fires (
    job          VARCHAR(128) NOT NULL,
    fire_time    BIGINT       NOT NULL,
    outcome      VARCHAR(16)  NOT NULL,
    run_id       VARCHAR(64),
    reason       TEXT,
    recorded_at  BIGINT       NOT NULL,
    CONSTRAINT andon_schedule_fires_once UNIQUE (job, fire_time)
);

CREATE INDEX andon_schedule_fires_by_run ON andon_schedule_fires (run_id);

-- One row a schedule: every fire up to handled_through was handled (fired, skipped or missed);
-- paused is durable; the counts and the last fire's run, written with the fire that changed them.
CREATE TABLE andon_schedules (
    job              VARCHAR(128) NOT NULL PRIMARY KEY,
    handled_through  BIGINT,
    paused           INTEGER      NOT NULL,
    last_fire_at     BIGINT,
    last_run_id      VARCHAR(64),
    fired            BIGINT       NOT NULL,
    skipped          BIGINT       NOT NULL,
    missed           BIGINT       NOT NULL
);
