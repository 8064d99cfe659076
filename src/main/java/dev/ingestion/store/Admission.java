package dev.ingestion.store;

import java.util.UUID;

/** What the ingest transaction made of one new ingestion. */
public sealed interface Admission {

    /** Stored: it survives a crash from now on. */
    record Stored() implements Admission {}

    /** Its idempotency key was already stored, with the ingestion and answer given here. */
    record Replayed(UUID ingestionId, int status, String fingerprint) implements Admission {}

    /** Refused, nothing stored: its ids would take its owner past the cap on waiting ids. */
    record OverQuota(long waitingIds) implements Admission {}

    Admission STORED = new Stored();
}
