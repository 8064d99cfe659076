package dev.ingestion.queue;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A batch that has just taken a slot, with the ids it still has to fetch: all of them on a first
 * run, only those with no stored record on a re-run.
 */
public record ClaimedBatch(UUID ingestionId, int index, int attempt, Instant startedAt, List<Item> pending) {

    public ClaimedBatch {
        pending = List.copyOf(pending);
    }

    /** One requested id and its position in the request (duplicates have distinct positions). */
    public record Item(int position, int id) {}
}
