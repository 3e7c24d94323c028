-- Version 4: a run's call starts and outcomes as the lines of a few texts (one per write
-- transaction), not a row and a JSON document per call: a run of 100,000 short calls is a few
-- rows. andon_calls stays for what Andons of version 2 and before wrote; nothing new goes there.

CREATE TABLE andon_call_log (
    run_id   VARCHAR(64) NOT NULL,
    seq      BIGINT      NOT NULL,
    entries  TEXT        NOT NULL,
    PRIMARY KEY (run_id, seq)
);
