package dev.ingestion.ingest;

import java.util.Optional;

/** Priorities in the order they are served; the rank is what the store sorts by. */
public enum Priority {
    HIGH, MEDIUM, LOW;

    public int rank() {
        return ordinal();
    }

    public static Priority ofRank(int rank) {
        return values()[rank];
    }

    static Optional<Priority> parse(String name) {
        for (Priority priority : values()) {
            if (priority.name().equals(name)) {
                return Optional.of(priority);
            }
        }
        return Optional.empty();
    }
}
