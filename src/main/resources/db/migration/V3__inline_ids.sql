-- The ids of an ingestion that fits in one chunk, in its own row; null when they are in
-- ingestion_chunk (larger ingestions, and every ingestion stored before this column). Most
-- ingestions are small, and one insert per ingestion instead of two is a third less work for
-- the store at each commit.
ALTER TABLE ingestion ADD COLUMN ids BYTEA;
