package dev.ingestion.queue;

import java.time.Duration;
import java.time.Instant;

/**
 * The upstream's budget: one slot per interval, across the deployment. A slot opens an interval
 * after the last start, or at once when the queue has been idle for longer, so there is no fixed
 * grid. The claim and the estimates both ask this type, so they cannot disagree.
 *
 * <p>The interval adapts to the upstream. {@code floor} is the configured interval: the service is
 * never faster. When the upstream throttles, the interval in force doubles (up to {@code max})
 * and no slot opens before the upstream's {@code Retry-After}; after {@link #HOLD} slots in a row
 * without throttling it halves, back down to the floor. Holding a stretched interval that long
 * before each halving keeps it from oscillating around the upstream's real limit: a step down
 * that was too far is throttled again and held again.
 *
 * @param floor the configured interval, and the shortest one
 * @param max the longest interval throttling can stretch it to
 */
public record RateLimit(Duration floor, Duration max) {

    /** Clean slots in a row before a stretched interval halves. */
    public static final int HOLD = 10;

    /** Slots in a row with every call failing (no answer, or a 5xx) before the breaker opens. */
    public static final int BREAKER = 3;

    /** How the upstream took the calls of one slot. */
    public enum Slot {
        /** It answered at least one call (a record, or a final answer such as a 404). */
        ANSWERED,
        /** It said it is pushed too hard (a 429, or a 503 with {@code Retry-After}). */
        THROTTLED,
        /** Every call failed with no answer (a timeout, a refused connection) or a 5xx. */
        DOWN
    }

    public RateLimit {
        if (floor == null || floor.toMillis() < 1) {
            throw new IllegalArgumentException("the interval must be at least 1ms, got " + floor);
        }
        if (max == null || max.compareTo(floor) < 0) {
            throw new IllegalArgumentException("the longest interval must be at least " + floor + ", got " + max);
        }
    }

    /** A limit that never stretches. */
    public RateLimit(Duration interval) {
        this(interval, interval);
    }

    /**
     * The limiter as stored.
     *
     * @param interval the interval in force, from {@code floor} to {@code max}
     * @param notBefore no slot opens before this (the upstream's {@code Retry-After}), or null
     * @param cleanSlots slots in a row without throttling since the interval last changed
     * @param failingSlots slots in a row that found the upstream down
     */
    public record State(Instant lastStart, Duration interval, Instant notBefore, int cleanSlots, int failingSlots) {}

    /** The state of a limiter that has never been throttled. */
    public State at(Instant lastStart) {
        return new State(lastStart, floor, null, 0, 0);
    }

    /**
     * Whether the upstream is taken to be down: then each slot carries a single id, a probe, and
     * its attempts do not count toward the most allowed, so a long outage fails no id.
     */
    public boolean breakerOpen(State state) {
        return state.failingSlots() >= BREAKER;
    }

    /** The state after a slot the upstream took as {@code slot} said, at {@code now}. */
    public State after(State state, Slot slot, Instant now, Duration retryAfter) {
        return switch (slot) {
            case THROTTLED -> throttled(state, now, retryAfter);
            case ANSWERED -> clean(state);
            case DOWN ->
                new State(
                        state.lastStart(),
                        state.interval(),
                        state.notBefore(),
                        state.cleanSlots(),
                        state.failingSlots() + 1);
        };
    }

    /** The earliest moment the next slot opens. */
    public Instant slotAfter(State state) {
        Instant slot = state.lastStart().plus(state.interval());
        return state.notBefore() != null && state.notBefore().isAfter(slot) ? state.notBefore() : slot;
    }

    /** Whether a batch may start at {@code now}. */
    public boolean isOpen(State state, Instant now) {
        return !now.isBefore(slotAfter(state));
    }

    /** When the next batch starts if work waits: {@code max(slot after the last start, now)}. */
    public Instant nextSlot(State state, Instant now) {
        Instant slot = slotAfter(state);
        return slot.isAfter(now) ? slot : now;
    }

    /** When the batch {@code ahead} places after the next one starts, if nothing overtakes it. */
    public Instant start(State state, Instant nextSlot, long ahead) {
        return nextSlot.plus(state.interval().multipliedBy(ahead));
    }

    /**
     * After a slot whose calls the upstream throttled at {@code now}: the interval doubles, and
     * no slot opens before {@code retryAfter} (if the upstream said) from now.
     */
    public State throttled(State state, Instant now, Duration retryAfter) {
        Duration doubled = state.interval().multipliedBy(2);
        Instant notBefore = retryAfter == null ? state.notBefore() : later(state.notBefore(), now.plus(retryAfter));
        return new State(state.lastStart(), doubled.compareTo(max) > 0 ? max : doubled, notBefore, 0, 0);
    }

    /** After a slot the upstream did not throttle: after {@link #HOLD} of them, a stretched interval halves. */
    public State clean(State state) {
        int clean = state.cleanSlots() + 1;
        if (state.interval().compareTo(floor) <= 0) {
            return new State(state.lastStart(), floor, state.notBefore(), Math.min(clean, HOLD), 0);
        }
        if (clean < HOLD) {
            return new State(state.lastStart(), state.interval(), state.notBefore(), clean, 0);
        }
        Duration halved = state.interval().dividedBy(2);
        return new State(state.lastStart(), halved.compareTo(floor) < 0 ? floor : halved, state.notBefore(), 0, 0);
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }
}
