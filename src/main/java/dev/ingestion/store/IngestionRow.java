package dev.ingestion.store;

import java.time.Instant;
import java.util.UUID;

import dev.ingestion.queue.Priority;

/**
 * An ingestion as stored; its batches are implied by {@code batchSize} and {@code idCount}.
 *
 * @param enqueuedBefore the batches of the same priority queued before this ingestion's
 * @param ids where the ids are kept, for {@link QueueReads} to read them
 * @param owner the name of the API key that created it; null if keys were off
 * @param callback where its webhooks go; null for none
 */
public record IngestionRow(
        UUID id,
        long seq,
        Priority priority,
        int batchSize,
        int idCount,
        int batchCount,
        int nextBatch,
        int completedBatches,
        Instant createdAt,
        long enqueuedBefore,
        StoredIds ids,
        String owner,
        Callback callback) {

    public int batchStart(int index) {
        return index * batchSize;
    }

    public int batchEnd(int index) {
        return Math.min(idCount, (index + 1) * batchSize);
    }
}
