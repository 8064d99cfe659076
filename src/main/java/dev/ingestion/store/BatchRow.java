package dev.ingestion.store;

import java.time.Instant;

import dev.ingestion.queue.BatchState;

/**
 * A batch that has started at least once; {@code lastStartedAt} differs from {@code startedAt}
 * after a re-run.
 *
 * @param failedIds how many of its ids failed for good
 */
public record BatchRow(
        int index,
        BatchState state,
        int attempts,
        Instant startedAt,
        Instant lastStartedAt,
        Instant completedAt,
        int failedIds) {

    public boolean completed() {
        return state == BatchState.COMPLETED;
    }
}
