package dev.ingestion.queue;

/** What the event log records; the label is what the store keeps and clients see. */
public enum EventKind {
    BATCH_STARTED("batch.started"),
    BATCH_RETRY("batch.retry"),
    BATCH_COMPLETED("batch.completed"),
    INGESTION_COMPLETED("ingestion.completed");

    private final String label;

    EventKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static EventKind ofLabel(String label) {
        for (EventKind kind : values()) {
            if (kind.label.equals(label)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("no event is called " + label);
    }
}
