-- Andon's run store, version 1: runs and their calls. The same SQL serves SQLite and PostgreSQL:
-- times are epoch milliseconds, flags are 0/1 integers, JSON is text.

CREATE TABLE andon_runs (
    id            VARCHAR(64)  NOT NULL PRIMARY KEY,
    job           VARCHAR(128) NOT NULL,
    status        VARCHAR(16)  NOT NULL,
    trigger_kind  VARCHAR(16)  NOT NULL,
    trigger_json  TEXT         NOT NULL,
    rerun_of      VARCHAR(64),
    spec          TEXT,
    posted        INTEGER      NOT NULL,
    call_names    TEXT         NOT NULL,
    call_count    INTEGER      NOT NULL,
    submitted_at  BIGINT       NOT NULL,
    finished_at   BIGINT,
    duration_ms   BIGINT,
    abort_reason  TEXT,
    abort_at      BIGINT,
    report        TEXT
);

CREATE INDEX andon_runs_by_submission ON andon_runs (submitted_at, id);
CREATE INDEX andon_runs_by_job ON andon_runs (job, submitted_at, id);
CREATE INDEX andon_runs_by_finish ON andon_runs (finished_at);

CREATE TABLE andon_calls (
    run_id       VARCHAR(64)  NOT NULL,
    name         VARCHAR(128) NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    started_at   BIGINT,
    finished_at  BIGINT,
    report       TEXT,
    PRIMARY KEY (run_id, name)
);
