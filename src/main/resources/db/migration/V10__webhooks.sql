-- Completion webhooks (issue 15). An ingestion may name a callback URL and the events it wants
-- there (callback_events: labels of queue/EventKind, comma-separated).
ALTER TABLE ingestion ADD COLUMN callback_url VARCHAR(2048);
ALTER TABLE ingestion ADD COLUMN callback_events VARCHAR(64);

-- The outbox: one row per event to deliver, written in the transaction that appends the event
-- (so a crash loses none), keyed by the event itself (its ingestion and seq), which also makes
-- the webhook-id that every attempt of it repeats. state: pending, delivered, failed (attempts
-- ran out), gone (the receiver answered 410), dropped (another delivery to its URL got a 410).
-- A pending row is due at next_attempt_at; an instance claims it by setting a lease, so each
-- attempt is made by one instance while the lease lasts.
CREATE TABLE webhook_delivery (
    ingestion_id    UUID          NOT NULL,
    seq             INTEGER       NOT NULL,
    kind            VARCHAR(32)   NOT NULL,
    url             VARCHAR(2048) NOT NULL,
    state           VARCHAR(16)   NOT NULL,
    attempts        INTEGER       DEFAULT 0 NOT NULL,
    next_attempt_at TIMESTAMP(6) WITH TIME ZONE,
    lease_owner     VARCHAR(64),
    lease_until     TIMESTAMP(6) WITH TIME ZONE,
    created_at      TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    delivered_at    TIMESTAMP(6) WITH TIME ZONE,
    PRIMARY KEY (ingestion_id, seq)
);
-- Only pending rows have a next attempt: the claim reads this index from its oldest entry.
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at);

-- Every attempt, for GET /ingestions/{id}/deliveries: when, what the receiver answered.
CREATE TABLE webhook_attempt (
    ingestion_id UUID        NOT NULL,
    seq          INTEGER     NOT NULL,
    attempt      INTEGER     NOT NULL,
    attempted_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    status_code  INTEGER,
    error        VARCHAR(512),
    duration_ms  INTEGER     NOT NULL,
    PRIMARY KEY (ingestion_id, seq, attempt)
);

-- URLs whose receiver answered 410 Gone: nothing more is sent to them.
CREATE TABLE webhook_gone (
    url     VARCHAR(2048) NOT NULL PRIMARY KEY,
    gone_at TIMESTAMP(6) WITH TIME ZONE NOT NULL
);
