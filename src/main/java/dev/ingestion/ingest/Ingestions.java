package dev.ingestion.ingest;

import java.time.Clock;
import java.util.UUID;

import dev.ingestion.store.QueueStore;

/** Turns a valid request into a stored ingestion and tells the dispatcher that work waits. */
public final class Ingestions {

    private final QueueStore store;
    private final Clock clock;
    private final int batchSize;
    private final Runnable onAccepted;

    public Ingestions(QueueStore store, Clock clock, int batchSize, Runnable onAccepted) {
        this.store = store;
        this.clock = clock;
        this.batchSize = batchSize;
        this.onAccepted = onAccepted;
    }

    /** Returns once the ingestion is committed: from then on it survives a crash. */
    public UUID submit(int[] ids, Priority priority) {
        UUID id = UUID.randomUUID();
        store.insertIngestion(id, priority.rank(), batchSize, ids, clock.instant());
        onAccepted.run();
        return id;
    }
}
