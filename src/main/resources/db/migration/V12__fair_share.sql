-- Fair share within a priority (issue 16, INGEST_FAIRNESS). Turns are tickets from one counter
-- on the limiter row (last_turn), which only a claim moves, under the limiter's lock, 2 at a
-- time: each start takes the next ticket and gives it to its ingestion (INGEST_FAIRNESS=ingestion)
-- or to its key's row in key_turn (=key), which puts it behind everyone else of its priority. A
-- new ingestion (and a new key) takes the counter less 1: behind every other one waiting, but
-- ahead of the one that had the last turn (seq breaks ties among those stored together). The
-- columns are kept whatever the mode, so that turning fair share on later finds every waiting
-- ingestion in a sound place.
ALTER TABLE rate_limiter ADD COLUMN last_turn BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE ingestion ADD COLUMN turn BIGINT DEFAULT 0 NOT NULL;

-- Serves the fair claim's "WHERE waiting ORDER BY priority, turn, seq LIMIT 1": one entry read.
CREATE INDEX ingestion_fair_queue ON ingestion (waiting, priority, turn, seq);

-- A key's place in the round, per priority (the key '' holds the work stored while keys were off).
CREATE TABLE key_turn (
    owner    VARCHAR(64) NOT NULL,
    priority SMALLINT    NOT NULL,
    turn     BIGINT      NOT NULL,
    PRIMARY KEY (owner, priority)
);
-- The key claim walks this in order and stops at the first key with waiting work.
CREATE INDEX key_turn_order ON key_turn (priority, turn, owner);
INSERT INTO key_turn (owner, priority, turn)
SELECT t.owner, p.priority, 0 FROM key_tally t CROSS JOIN (VALUES (0), (1), (2)) AS p(priority);

-- A key's first waiting ingestion of a priority: one entry read.
CREATE INDEX ingestion_key_queue ON ingestion (owner, waiting, priority, seq);
