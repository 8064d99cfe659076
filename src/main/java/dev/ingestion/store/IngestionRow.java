package dev.ingestion.store;

import java.time.Instant;
import java.util.UUID;

/**
 * An ingestion as stored; its batches are implied by {@code batchSize} and {@code idCount}.
 *
 * @param enqueuedBefore the batches of the same priority queued before this ingestion's
 * @param inlineIds the packed ids when they are kept in the ingestion's own row, else null
 */
public record IngestionRow(UUID id, long seq, int priority, int batchSize, int chunkSize, int idCount,
        int batchCount, int nextBatch, int completedBatches, Instant createdAt, long enqueuedBefore, byte[] inlineIds) {

    public int batchStart(int index) {
        return index * batchSize;
    }

    public int batchEnd(int index) {
        return Math.min(idCount, (index + 1) * batchSize);
    }
}
