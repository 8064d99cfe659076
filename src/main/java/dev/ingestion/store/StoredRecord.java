package dev.ingestion.store;

import java.time.Instant;

import dev.ingestion.queue.RecordState;

/**
 * The outcome stored for one position of a request: {@code data} is the upstream's record (JSON
 * text) when fetched, the error (JSON text) when failed.
 */
public record StoredRecord(int position, RecordState state, String data, Instant fetchedAt) {}
