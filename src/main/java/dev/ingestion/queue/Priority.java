package dev.ingestion.queue;

import java.util.Optional;

/** Priorities in the order they are served: every waiting HIGH batch starts before any MEDIUM one. */
public enum Priority {
    HIGH,
    MEDIUM,
    LOW;

    /** The priority with exactly this name (case matters), if any. */
    public static Optional<Priority> parse(String name) {
        for (Priority priority : values()) {
            if (priority.name().equals(name)) {
                return Optional.of(priority);
            }
        }
        return Optional.empty();
    }
}
