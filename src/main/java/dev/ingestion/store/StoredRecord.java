package dev.ingestion.store;

import java.time.Instant;

/** The outcome stored for one position of a request; {@code data} is the upstream's JSON text. */
public record StoredRecord(int position, String state, String data, Instant fetchedAt) {}
