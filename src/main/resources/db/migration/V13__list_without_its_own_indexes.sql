-- Ingest throughput (issue 18): every index on ingestion is a B-tree page rewritten by each group
-- commit (with 7 of its 9 indexes gone, 64 connections ingested 28-41% more in an A/B). The list of
-- ingestions (GET /ingestions, the dashboard) no longer needs three of its own: without a state
-- filter it reads the queue's indexes, ingestion_queue (waiting, priority, seq) and, for one owner,
-- ingestion_key_queue (owner, waiting, priority, seq), one (waiting, priority) range at a time
-- (IngestionList). The state filter keeps ingestion_by_state: a rare state must not read the table.
DROP INDEX ingestion_newest;
DROP INDEX ingestion_by_priority;
DROP INDEX ingestion_by_owner;
