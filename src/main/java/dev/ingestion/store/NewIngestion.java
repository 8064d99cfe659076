package dev.ingestion.store;

import java.time.Instant;
import java.util.UUID;

import dev.ingestion.queue.Priority;

/**
 * An accepted request about to be stored.
 *
 * @param owner the name of the API key that sent it; null when keys are off
 * @param idempotency the request's idempotency key; null when it sent none
 * @param callback where its webhooks go; null for none
 */
public record NewIngestion(
        UUID id,
        Priority priority,
        int batchSize,
        int[] ids,
        Instant createdAt,
        String owner,
        IdempotencyKey idempotency,
        Callback callback) {

    public NewIngestion(UUID id, Priority priority, int batchSize, int[] ids, Instant createdAt) {
        this(id, priority, batchSize, ids, createdAt, null, null);
    }

    public NewIngestion(
            UUID id,
            Priority priority,
            int batchSize,
            int[] ids,
            Instant createdAt,
            String owner,
            IdempotencyKey idempotency) {
        this(id, priority, batchSize, ids, createdAt, owner, idempotency, null);
    }

    /** Where its ids count against a quota: its owner's name, or the open scope. */
    public String tallyOwner() {
        return owner == null ? "" : owner;
    }

    public int batchCount() {
        return (ids.length + batchSize - 1) / batchSize;
    }
}
