package dev.ingestion.store;

import java.time.Instant;
import java.util.UUID;

import dev.ingestion.queue.Priority;

/** An accepted request about to be stored. */
public record NewIngestion(UUID id, Priority priority, int batchSize, int[] ids, Instant createdAt) {

    public int batchCount() {
        return (ids.length + batchSize - 1) / batchSize;
    }
}
