package dev.ingestion.queue;

import java.util.Locale;

/** What one requested id has come to; its {@link #label()} is what clients see and the store keeps. */
public enum RecordState {
    /** No outcome yet: waiting for its batch's slot, its fetch, or a retry. */
    PENDING,
    /** Its record is stored. */
    FETCHED,
    /** It failed for good (a final answer, or every attempt used up); the error is stored. */
    FAILED;

    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }

    public static RecordState ofLabel(String label) {
        for (RecordState state : values()) {
            if (state.label.equals(label)) {
                return state;
            }
        }
        throw new IllegalArgumentException("no record state is called " + label);
    }
}
