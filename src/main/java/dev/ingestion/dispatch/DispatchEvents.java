package dev.ingestion.dispatch;

import java.time.Duration;
import java.time.Instant;

import dev.ingestion.queue.Claim;
import dev.ingestion.upstream.Outcome;

/** What the dispatcher reports as it works, for metrics; every method does nothing by default. */
public interface DispatchEvents {

    DispatchEvents NONE = new DispatchEvents() {};

    /** A claim was tried and took {@code took}; a start comes {@code lateness} after its slot, if known. */
    default void claimed(Claim claim, Duration took, Duration lateness) {}

    default void recordStored() {}

    /** The upstream's answer for one id came, {@code took} after the slot's calls went out. */
    default void answered(Outcome outcome, Duration took) {}

    /** Storing an attempt's outcomes failed; the batch runs again at a later slot. */
    default void batchFailed() {}

    /** {@code ids} failed for a reason worth trying again; their batch runs again no sooner than {@code at}. */
    default void retryScheduled(int ids, Instant at) {}

    /** An id failed for good, for a reason of this {@code kind}. */
    default void failedForGood(String kind) {}
}
