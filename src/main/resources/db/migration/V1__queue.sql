-- One schema for H2 and PostgreSQL: only types and syntax both accept.

-- An accepted request. Its batches are not materialised up front: batch k covers ids
-- [k * batch_size, (k + 1) * batch_size), and next_batch says how many have started, so a
-- million-id ingestion is one row here plus its id chunks, and the queue is this table.
CREATE TABLE ingestion (
    id                UUID        NOT NULL PRIMARY KEY,
    seq               BIGINT      GENERATED ALWAYS AS IDENTITY,
    priority          SMALLINT    NOT NULL,
    batch_size        INTEGER     NOT NULL,
    chunk_size        INTEGER     NOT NULL,
    id_count          INTEGER     NOT NULL,
    batch_count       INTEGER     NOT NULL,
    next_batch        INTEGER     NOT NULL DEFAULT 0,
    completed_batches INTEGER     NOT NULL DEFAULT 0,
    waiting           BOOLEAN     NOT NULL,
    created_at        TIMESTAMP(6) WITH TIME ZONE NOT NULL
);

-- Serves "WHERE waiting ORDER BY priority, seq LIMIT 1" and the queue-position count.
CREATE INDEX ingestion_queue ON ingestion (waiting, priority, seq);

-- The requested ids in request order, packed as big-endian 32-bit integers; a chunk holds a
-- whole number of batches so that a batch never spans two chunks.
CREATE TABLE ingestion_chunk (
    ingestion_id UUID    NOT NULL REFERENCES ingestion (id),
    chunk_no     INTEGER NOT NULL,
    ids          BYTEA   NOT NULL,
    PRIMARY KEY (ingestion_id, chunk_no)
);

-- A batch that has started at least once. Batches with no row here are yet_to_start.
CREATE TABLE batch (
    ingestion_id    UUID        NOT NULL REFERENCES ingestion (id),
    idx             INTEGER     NOT NULL,
    status          VARCHAR(16) NOT NULL,
    attempts        INTEGER     NOT NULL,
    started_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    last_started_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    completed_at    TIMESTAMP(6) WITH TIME ZONE,
    lease_owner     VARCHAR(64),
    lease_until     TIMESTAMP(6) WITH TIME ZONE,
    PRIMARY KEY (ingestion_id, idx)
);

-- Finds triggered batches whose runner is gone without touching completed ones.
CREATE INDEX batch_open ON batch (status, lease_until);

-- One row per fetched id, keyed by its position in the request (duplicates have their own).
CREATE TABLE record (
    ingestion_id UUID        NOT NULL REFERENCES ingestion (id),
    position     INTEGER     NOT NULL,
    state        VARCHAR(16) NOT NULL,
    data         VARCHAR     NOT NULL,
    fetched_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (ingestion_id, position)
);

-- The global rate limiter: one row, locked by every claim, holding the last start.
CREATE TABLE rate_limiter (
    id         INTEGER NOT NULL PRIMARY KEY,
    last_start TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
INSERT INTO rate_limiter (id, last_start) VALUES (1, TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00');

-- Every start, first runs and re-runs alike: the audit trail of the rate limit.
CREATE TABLE batch_start (
    seq          BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ingestion_id UUID        NOT NULL,
    idx          INTEGER     NOT NULL,
    attempt      INTEGER     NOT NULL,
    started_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    owner        VARCHAR(64) NOT NULL
);

-- Values every instance of a deployment must share (interval, batch size).
CREATE TABLE deployment_setting (
    name          VARCHAR(64)  NOT NULL PRIMARY KEY,
    setting_value VARCHAR(256) NOT NULL
);
