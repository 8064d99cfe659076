package dev.ingestion.queue;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A batch that has just taken a slot, with the ids it still has to fetch: all of them on a first
 * run, only those with no outcome stored on a re-run.
 *
 * @param attempt how many times the batch has started, this start included (runs again after a
 *     crash too)
 * @param priorAttempts how many upstream attempts its pending ids have already had: the ones that
 *     count toward the most allowed (a run again after a crash is not one)
 * @param probe the upstream is taken to be down: this start sends only its first pending id, and
 *     the attempt does not count
 */
public record ClaimedBatch(
        UUID ingestionId,
        int index,
        Priority priority,
        int attempt,
        int priorAttempts,
        Instant startedAt,
        List<Item> pending,
        boolean probe) {

    public ClaimedBatch {
        pending = List.copyOf(pending);
    }

    /** The ids this start sends: every pending one, or only the first when it is a probe. */
    public List<Item> toFetch() {
        return probe && pending.size() > 1 ? pending.subList(0, 1) : pending;
    }

    /** One requested id and its position in the request (duplicates have distinct positions). */
    public record Item(int position, int id) {}
}
