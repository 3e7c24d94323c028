-- Version 2: which Andon process runs each run (so that one sharing the store never takes
-- another's live runs for interrupted ones), and the process groups of command calls (so that a
-- restart after a crash can stop what they left behind).

ALTER TABLE andon_runs ADD COLUMN owner_host VARCHAR(255);
ALTER TABLE andon_runs ADD COLUMN owner_boot VARCHAR(64);
ALTER TABLE andon_runs ADD COLUMN owner_pid BIGINT;
ALTER TABLE andon_runs ADD COLUMN owner_start BIGINT;

CREATE TABLE andon_processes (
    run_id         VARCHAR(64)  NOT NULL,
    call_name      VARCHAR(128) NOT NULL,
    pid            BIGINT       NOT NULL,
    start_time     BIGINT       NOT NULL,
    boot_id        VARCHAR(64)  NOT NULL,
    kill_grace_ms  BIGINT       NOT NULL,
    PRIMARY KEY (run_id, call_name, pid)
);
