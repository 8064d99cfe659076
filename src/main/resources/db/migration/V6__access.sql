-- API keys (issue 13): the name of the key that created an ingestion, null where keys were off.
-- Another key neither sees nor counts it.
ALTER TABLE ingestion ADD COLUMN owner VARCHAR(64);

-- Quotas (issue 13): the ids of each key that have no outcome yet. Kept by the ingest transaction
-- (which locks the key's row, so that two requests of one key, on any instance, cannot both pass
-- the cap) and by the write that completes a batch. The open scope ('') gets its row here, each
-- configured key its own at start-up; the ingest transaction adds one it finds missing.
CREATE TABLE key_tally (
    owner       VARCHAR(64) NOT NULL PRIMARY KEY,
    waiting_ids BIGINT      NOT NULL
);

-- Idempotency keys (issue 13): what the first request with a key answered, stored in the commit
-- that stored its ingestion. scope is the API key's name, '' where keys are off; fingerprint is a
-- hash of the parsed request, so the same key with another body can be told apart.
CREATE TABLE idempotency_key (
    scope        VARCHAR(64)  NOT NULL,
    idem_key     VARCHAR(255) NOT NULL,
    fingerprint  VARCHAR(64)  NOT NULL,
    ingestion_id UUID         NOT NULL,
    status       SMALLINT     NOT NULL,
    created_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_key_age ON idempotency_key (created_at);

-- Work stored before keys existed belongs to the open scope (''): its ids without an outcome yet
-- are every id but those of completed batches.
INSERT INTO key_tally (owner, waiting_ids)
SELECT '', (SELECT COALESCE(SUM(id_count), 0) FROM ingestion)
         - (SELECT COALESCE(SUM(LEAST(i.batch_size, i.id_count - b.idx * i.batch_size)), 0)
            FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
            WHERE b.status = 'completed');
