package dev.ingestion.queue;

import java.time.Duration;
import java.time.Instant;

/**
 * The upstream's budget: one slot per {@code interval}, across the deployment. A slot opens an
 * interval after the last start, or at once when the queue has been idle for longer, so there is
 * no fixed grid. The claim and the estimates both ask this type, so they cannot disagree.
 */
public record RateLimit(Duration interval) {

    public RateLimit {
        if (interval == null || interval.toMillis() < 1) {
            throw new IllegalArgumentException("the interval must be at least 1ms, got " + interval);
        }
    }

    /** The earliest moment the slot after {@code lastStart} opens. */
    public Instant slotAfter(Instant lastStart) {
        return lastStart.plus(interval);
    }

    /** Whether a batch may start at {@code now}, given the last start. */
    public boolean isOpen(Instant lastStart, Instant now) {
        return !now.isBefore(slotAfter(lastStart));
    }

    /** When the next batch starts if work waits: {@code max(last start + interval, now)}. */
    public Instant nextSlot(Instant lastStart, Instant now) {
        Instant slot = slotAfter(lastStart);
        return slot.isAfter(now) ? slot : now;
    }

    /** When the batch {@code ahead} places after the next one starts, if nothing overtakes it. */
    public Instant start(Instant nextSlot, long ahead) {
        return nextSlot.plus(interval.multipliedBy(ahead));
    }
}
