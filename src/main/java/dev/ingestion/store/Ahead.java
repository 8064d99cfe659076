package dev.ingestion.store;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import dev.ingestion.queue.Priority;

/**
 * What stands ahead of waiting work, read once for any number of ingestions (a page of the list,
 * or one status): the running totals per priority, and the started batches waiting to run again,
 * which keep their place in the order.
 */
public final class Ahead {

    record Rerun(Priority priority, long seq) {}

    private final Map<Priority, Long> waitingBatches;
    private final Map<Priority, Long> started;
    private final List<Rerun> reruns;

    Ahead(Map<Priority, Long> enqueued, Map<Priority, Long> started, List<Rerun> reruns) {
        this.waitingBatches = new EnumMap<>(Priority.class);
        for (Priority priority : Priority.values()) {
            waitingBatches.put(priority, enqueued.getOrDefault(priority, 0L) - started.getOrDefault(priority, 0L));
        }
        this.started = started;
        this.reruns = reruns;
    }

    /**
     * How many batches will start before the first waiting batch of an ingestion: the waiting
     * batches of the higher priorities; in its own priority, the batches queued before it less
     * those started (a priority runs first in first out, so every start in it so far was of an
     * ingestion ahead of it, or of its own); and the batches waiting to run again that come before
     * it in the order, its own among them.
     */
    public long batchesAhead(Priority priority, long seq, long enqueuedBefore, int nextBatch) {
        long ahead = enqueuedBefore + nextBatch - started.getOrDefault(priority, 0L);
        for (Priority higher : Priority.values()) {
            if (higher.compareTo(priority) < 0) {
                ahead += waitingBatches.get(higher);
            }
        }
        for (Rerun rerun : reruns) {
            if (rerun.priority().compareTo(priority) < 0 || rerun.priority() == priority && rerun.seq() <= seq) {
                ahead++;
            }
        }
        return ahead;
    }

    /**
     * With fair share, what stands ahead of any waiting work of this priority whatever its turn:
     * the waiting batches of the higher priorities, and every batch of this priority or a higher one
     * waiting to run again (a re-run of this priority takes its ingestion's or key's turn, which may
     * or may not come first: counted, so that the position stays an upper bound).
     */
    public long aheadOfEveryTurn(Priority priority) {
        long ahead = 0;
        for (Priority higher : Priority.values()) {
            if (higher.compareTo(priority) < 0) {
                ahead += waitingBatches.get(higher);
            }
        }
        for (Rerun rerun : reruns) {
            if (rerun.priority().compareTo(priority) <= 0) {
                ahead++;
            }
        }
        return ahead;
    }

    public long batchesAhead(IngestionRow ingestion) {
        return batchesAhead(ingestion.priority(), ingestion.seq(), ingestion.enqueuedBefore(), ingestion.nextBatch());
    }
}
