package dev.ingestion.dispatch;

import java.time.Duration;

import dev.ingestion.queue.Claim;

/** What the dispatcher reports as it works, for metrics; every method does nothing by default. */
public interface DispatchEvents {

    DispatchEvents NONE = new DispatchEvents() {};

    /** A claim was tried and took {@code took}; a start comes {@code lateness} after its slot, if known. */
    default void claimed(Claim claim, Duration took, Duration lateness) {}

    default void recordStored() {}

    default void batchFailed() {}
}
