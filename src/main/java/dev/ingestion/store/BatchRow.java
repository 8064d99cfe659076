package dev.ingestion.store;

import java.time.Instant;

/** A batch that has started at least once; {@code lastStartedAt} differs from {@code startedAt} after a re-run. */
public record BatchRow(int index, boolean completed, int attempts, Instant startedAt, Instant lastStartedAt,
        Instant completedAt) {
}
