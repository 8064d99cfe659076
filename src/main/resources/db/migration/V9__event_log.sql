-- The event log (issues 14 and 15): a row for every batch start, retry and completion and every
-- ingestion's completion, written in the transaction that makes the change, so a crash can lose
-- none. seq numbers an ingestion's events 1, 2, 3... under its row lock (last_event), so a
-- client resuming an ingestion's stream misses nothing and sees nothing twice. log_seq orders the
-- deployment's events for the one reader per instance that tails them; it may commit out of
-- order on PostgreSQL, which that reader allows for (events/EventTail). A batch's completion
-- carries how many ids it had and how many of them failed for good, for throughput charts.
CREATE TABLE ingestion_event (
    ingestion_id UUID        NOT NULL,
    seq          INTEGER     NOT NULL,
    log_seq      BIGINT      GENERATED ALWAYS AS IDENTITY,
    kind         VARCHAR(32) NOT NULL,
    batch_idx    INTEGER,
    attempt      INTEGER,
    id_count     INTEGER,
    failed_ids   INTEGER,
    occurred_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (ingestion_id, seq)
);
CREATE INDEX ingestion_event_log ON ingestion_event (log_seq);

ALTER TABLE ingestion ADD COLUMN last_event INTEGER DEFAULT 0 NOT NULL;
