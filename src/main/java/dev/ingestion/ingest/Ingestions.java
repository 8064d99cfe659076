package dev.ingestion.ingest;

import java.time.Clock;
import java.util.UUID;
import java.util.function.Consumer;

import dev.ingestion.store.NewIngestion;
import dev.ingestion.store.QueueStore;

/** Turns a valid request into a stored ingestion and tells the dispatcher that work waits. */
public final class Ingestions {

    private final Consumer<NewIngestion> writer;
    private final Clock clock;
    private final int batchSize;
    private final Runnable onAccepted;

    /**
     * @param writer returns once the ingestion is committed (directly, or through a
     *     {@link GroupCommit})
     * @param onAccepted told after each commit: work waits
     */
    public Ingestions(Consumer<NewIngestion> writer, Clock clock, int batchSize, Runnable onAccepted) {
        this.writer = writer;
        this.clock = clock;
        this.batchSize = batchSize;
        this.onAccepted = onAccepted;
    }

    /** Each ingestion in a commit of its own. */
    public Ingestions(QueueStore store, Clock clock, int batchSize, Runnable onAccepted) {
        this(store::insertIngestion, clock, batchSize, onAccepted);
    }

    /** Returns once the ingestion is committed: from then on it survives a crash. */
    public UUID submit(int[] ids, Priority priority) {
        UUID id = UUID.randomUUID();
        writer.accept(new NewIngestion(id, priority.rank(), batchSize, ids, clock.instant()));
        onAccepted.run();
        return id;
    }
}
