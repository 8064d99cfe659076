package dev.ingestion.queue;

import java.time.Duration;
import java.time.Instant;

/**
 * What one attempt to take a slot of the rate limiter came to. Each carries the time the claim
 * read (the database's clock on PostgreSQL), so whoever acts on it needs no clock of its own.
 */
public sealed interface Claim {

    /** A batch took the slot at {@code batch.startedAt()}; its fetches are due now. */
    record Started(ClaimedBatch batch) implements Claim {}

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
