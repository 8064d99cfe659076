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
