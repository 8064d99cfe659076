-- Retention (issue 13): completed work is purged INGEST_RETENTION after it completed.

-- When the last batch of the ingestion completed, written by the write that completes it; null
-- while any batch has yet to complete. Ingestions completed before this column existed (or by an
-- instance of the previous version during a rolling upgrade) get it from their batches when the
-- purge starts (Retention.stampCompletions). The index finds the expired ones oldest first
-- without reading the waiting ones, whose null entries sort apart.
ALTER TABLE ingestion ADD COLUMN completed_at TIMESTAMP(6) WITH TIME ZONE;
CREATE INDEX ingestion_completed ON ingestion (completed_at);

-- Set in the first transaction of the purge of an ingestion too large to delete in one small
-- transaction: from then on it is not found (404) while its rows go a slice at a time, so no
-- reader sees a batch or record of it vanish while the ingestion is still there.
ALTER TABLE ingestion ADD COLUMN purging BOOLEAN DEFAULT FALSE NOT NULL;

-- An ingestion's starts and idempotency keys are deleted with it; without these, each purge would
-- read the whole start log and key table.
CREATE INDEX batch_start_ingestion ON batch_start (ingestion_id, idx);
CREATE INDEX idempotency_key_ingestion ON idempotency_key (ingestion_id);
