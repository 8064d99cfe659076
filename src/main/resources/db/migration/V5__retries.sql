-- Retries (issue 12). A batch whose ids failed for a reason worth trying again is handed back with
-- the earliest time it may run (retry_at); until then claims pass over it, so it keeps its place in
-- the order without holding a slot. counted_attempts is how many upstream attempts its ids still
-- waiting have had (a run again after a crash is not one); failed_ids how many of its ids failed
-- for good (their record rows have state 'failed'), so /status looks for them only where there are.
ALTER TABLE batch ADD COLUMN retry_at TIMESTAMP(6) WITH TIME ZONE;
ALTER TABLE batch ADD COLUMN counted_attempts INTEGER DEFAULT 0 NOT NULL;
ALTER TABLE batch ADD COLUMN failed_ids INTEGER DEFAULT 0 NOT NULL;

-- The rate that adapts to the upstream (issue 12), beside the last start it governs, so every
-- instance slows down and recovers together: the interval in force (null: the configured one),
-- the moment before which no slot opens (the upstream's Retry-After), and how many slots in a
-- row went by without throttling since the interval last changed.
ALTER TABLE rate_limiter ADD COLUMN interval_ms BIGINT;
ALTER TABLE rate_limiter ADD COLUMN not_before TIMESTAMP(6) WITH TIME ZONE;
ALTER TABLE rate_limiter ADD COLUMN clean_slots INTEGER DEFAULT 0 NOT NULL;

-- The circuit breaker (issue 12): how many slots in a row had every call fail with no answer or a
-- 5xx. From a few on, the upstream is taken to be down: each slot sends one probe id, and those
-- attempts do not count, until a probe is answered.
ALTER TABLE rate_limiter ADD COLUMN failing_slots INTEGER DEFAULT 0 NOT NULL;
