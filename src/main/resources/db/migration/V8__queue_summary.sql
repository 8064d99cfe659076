-- Pause (issue 14): an operator's stop of every claim, kept beside the rate it stops, so that it
-- holds on every instance and across restarts.
ALTER TABLE rate_limiter ADD COLUMN paused BOOLEAN DEFAULT FALSE NOT NULL;

-- The ids beside the batches of each running total (issue 14): ids ever queued ('enqueued') and
-- ids of batches that have started ('started'), so that GET /queue counts the waiting ids per
-- priority in a few reads, as the queue position does.
ALTER TABLE queue_tally ADD COLUMN ids BIGINT DEFAULT 0 NOT NULL;

UPDATE queue_tally SET ids = (
    SELECT COALESCE(SUM(i.id_count), 0) FROM ingestion i WHERE i.priority = queue_tally.priority)
WHERE counter = 'enqueued';
UPDATE queue_tally SET ids = (
    SELECT COALESCE(SUM(LEAST(i.id_count, i.next_batch * i.batch_size)), 0) FROM ingestion i
    WHERE i.priority = queue_tally.priority)
WHERE counter = 'started';

-- The starts of the last minute and hour, for GET /queue.
CREATE INDEX batch_start_time ON batch_start (started_at);

-- The ids that failed for good over the last minute and hour, for GET /queue.
CREATE INDEX record_failed ON record (state, fetched_at);

-- The list of ingestions (issue 14): newest first, by status, priority or owner, a page at a time
-- by keyset on seq. The ingestion's state is kept with it (the claim that first starts one of its
-- batches and the write that completes its last one set it), so that a filter on a rare state
-- reads its own index instead of every ingestion.
ALTER TABLE ingestion ADD COLUMN state VARCHAR(16) DEFAULT 'yet_to_start' NOT NULL;
UPDATE ingestion SET state = CASE WHEN completed_batches = batch_count THEN 'completed'
                                  WHEN next_batch > 0 THEN 'triggered' ELSE 'yet_to_start' END;
CREATE INDEX ingestion_newest ON ingestion (seq);
CREATE INDEX ingestion_by_state ON ingestion (state, seq);
CREATE INDEX ingestion_by_priority ON ingestion (priority, seq);
CREATE INDEX ingestion_by_owner ON ingestion (owner, seq);
