package dev.ingestion.queue;

/**
 * Which batches a slot takes beyond the spec's order (issue 16): both modes are off by default
 * and deployment-wide.
 *
 * @param packUpTo with slot packing (INGEST_PACKING), the most ids a slot carries (the batch size);
 *     0 for one batch per slot
 * @param fairness with fair share (INGEST_FAIRNESS), how a priority's slots go round its
 *     ingestions or API keys
 */
public record SlotOrder(int packUpTo, Fairness fairness) {

    /** The spec's order: one batch per slot, first in, first out within a priority. */
    public static final SlotOrder FIRST_IN_FIRST_OUT = new SlotOrder(0, Fairness.OFF);

    public SlotOrder {
        if (packUpTo < 0) {
            throw new IllegalArgumentException("a slot packs up to 0 (no packing) or more ids, not " + packUpTo);
        }
    }
}
