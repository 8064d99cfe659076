-- Running totals per priority: the batches ever queued ('enqueued', kept by the ingest
-- transactions) and the batches that have started ('started': first starts, kept by the claims;
-- a row of its own so that a claim never waits for an ingest's lock). With them a batch's queue
-- position is a few reads instead of a count over every waiting ingestion ahead of it.
CREATE TABLE queue_tally (
    counter  VARCHAR(16) NOT NULL,
    priority SMALLINT    NOT NULL,
    batches  BIGINT      NOT NULL,
    PRIMARY KEY (counter, priority)
);

INSERT INTO queue_tally (counter, priority, batches)
SELECT c.counter, p.priority,
       COALESCE(SUM(CASE WHEN c.counter = 'enqueued' THEN i.batch_count ELSE i.next_batch END), 0)
FROM (VALUES ('enqueued'), ('started')) AS c(counter)
CROSS JOIN (VALUES (0), (1), (2)) AS p(priority)
LEFT JOIN ingestion i ON i.priority = p.priority
GROUP BY c.counter, p.priority;

-- The batches of the same priority queued before this ingestion's: the 'enqueued' total when it
-- was stored. Ingest transactions lock that total before inserting, so within a priority this
-- follows seq.
ALTER TABLE ingestion ADD COLUMN enqueued_before BIGINT;

MERGE INTO ingestion t USING (
    SELECT id, SUM(batch_count) OVER (PARTITION BY priority ORDER BY seq ROWS UNBOUNDED PRECEDING)
               - batch_count AS before_it
    FROM ingestion) s
ON t.id = s.id
WHEN MATCHED THEN UPDATE SET enqueued_before = s.before_it;

ALTER TABLE ingestion ALTER COLUMN enqueued_before SET NOT NULL;
