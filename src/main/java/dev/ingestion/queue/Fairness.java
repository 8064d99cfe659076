package dev.ingestion.queue;

import java.util.Optional;

/**
 * How the slots of one priority are shared among its waiting work (INGEST_FAIRNESS). Priorities
 * always come first; this only orders work of equal priority.
 */
public enum Fairness {
    /** First in, first out: the earliest ingestion's batches, all of them, before the next one's. */
    OFF("off"),
    /** Round-robin among the waiting ingestions: each start moves its ingestion to the back. */
    INGESTION("ingestion"),
    /**
     * Round-robin among the API keys with waiting work, each start moving its key to the back; first
     * in, first out within a key.
     */
    KEY("key");

    private final String label;

    Fairness(String label) {
        this.label = label;
    }

    /** As written in INGEST_FAIRNESS and recorded deployment-wide. */
    public String label() {
        return label;
    }

    public boolean on() {
        return this != OFF;
    }

    /** The mode with this label (case matters), if any. */
    public static Optional<Fairness> parse(String label) {
        for (Fairness fairness : values()) {
            if (fairness.label.equals(label)) {
                return Optional.of(fairness);
            }
        }
        return Optional.empty();
    }
}
