package dev.ingestion.queue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one attempt to take a slot of the rate limiter came to. Each carries the time the claim
 * read (the database's clock on PostgreSQL), so whoever acts on it needs no clock of its own.
 */
public sealed interface Claim {

    /**
     * The slot was taken at {@code batch().startedAt()} by one batch, or, with slot packing, by the
     * chosen batch and the batches that followed it in the order while their ids fitted: the
     * slot's fetches are due now. Every batch of a slot has the same start.
     *
     * @param batches in the order of the queue, the chosen one first; never empty
     */
    record Started(List<ClaimedBatch> batches) implements Claim {

        public Started {
            if (batches.isEmpty()) {
                throw new IllegalArgumentException("a slot carries at least one batch");
            }
            batches = List.copyOf(batches);
        }

        public Started(ClaimedBatch batch) {
            this(List.of(batch));
        }

        /** The batch the claim chose: the first in the order, and the slot's only one without packing. */
        public ClaimedBatch batch() {
            return batches.get(0);
        }

        /** How many ids the slot sends to the upstream. */
        public int ids() {
            return batches.stream().mapToInt(batch -> batch.toFetch().size()).sum();
        }
    }

    /** The previous start is too recent: no batch may start before {@code slot}; decided at {@code at}. */
    record NotBefore(Instant slot, Instant at) implements Claim {

        /** How long from the claim until the slot opens. */
        public Duration untilSlot() {
            return Duration.between(at, slot);
        }
    }

    /** The slot is open but nothing waits. */
    record Idle() implements Claim {}

    /** An operator paused dispatch: nothing starts, on any instance, until it is resumed. */
    record Paused() implements Claim {}
}
