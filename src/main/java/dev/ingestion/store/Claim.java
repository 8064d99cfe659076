package dev.ingestion.store;

import java.time.Instant;

/** What one attempt to take a slot of the rate limiter came to. */
public sealed interface Claim {

    /** A batch took the slot at {@code batch.startedAt()}; its fetches are due now. */
    record Started(ClaimedBatch batch) implements Claim {
    }

    /** The previous start is too recent: no batch may start before {@code slot}. */
    record NotBefore(Instant slot) implements Claim {
    }

    /** The slot is open but nothing waits. */
    record Idle() implements Claim {
    }
}
