package dev.ingestion.queue;

import java.util.Locale;

/**
 * Where a batch stands; it only ever moves forward. Its {@link #label()} is what clients see in
 * {@code /status} and what the store keeps.
 */
public enum BatchState {
    /** Waiting for its first slot. */
    YET_TO_START,
    /** From its first start until every id of it has an outcome. */
    TRIGGERED,
    /** Every id has its outcome stored. */
    COMPLETED;

    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }

    public static BatchState ofLabel(String label) {
        for (BatchState state : values()) {
            if (state.label.equals(label)) {
                return state;
            }
        }
        throw new IllegalArgumentException("no batch state is called " + label);
    }

    /**
     * An ingestion's state from its batches': yet to start while all of them are, completed when
     * all of them are, triggered in between.
     */
    public static BatchState ofIngestion(int batches, int started, int completed) {
        if (started == 0) {
            return YET_TO_START;
        }
        return completed == batches ? COMPLETED : TRIGGERED;
    }
}
