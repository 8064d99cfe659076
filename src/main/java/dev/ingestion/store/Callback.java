package dev.ingestion.store;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.ingestion.queue.EventKind;

/**
 * Where an ingestion's webhooks go and which of its events are sent there.
 *
 * @param url a URL already checked against private addresses (webhooks/CallbackAddresses)
 * @param events the kinds sent: {@link EventKind#INGESTION_COMPLETED} and or {@link EventKind#BATCH_COMPLETED}
 */
public record Callback(URI url, Set<EventKind> events) {

    /** The events a callback may ask for; starts and retries are for the streams only. */
    public static final Set<EventKind> SENDABLE = EnumSet.of(EventKind.BATCH_COMPLETED, EventKind.INGESTION_COMPLETED);

    public Callback {
        if (events.isEmpty() || !SENDABLE.containsAll(events)) {
            throw new IllegalArgumentException("a callback sends some of " + SENDABLE + ", not " + events);
        }
        events = Set.copyOf(EnumSet.copyOf(events));
    }

    public boolean sends(EventKind kind) {
        return events.contains(kind);
    }

    /** The column's form: the labels in a fixed order, comma-separated. */
    String eventsColumn() {
        List<String> labels = new ArrayList<>();
        for (EventKind kind : EventKind.values()) {
            if (events.contains(kind)) {
                labels.add(kind.label());
            }
        }
        return String.join(",", labels);
    }

    static Callback of(String url, String eventsColumn) {
        if (url == null) {
            return null;
        }
        Set<EventKind> events = EnumSet.noneOf(EventKind.class);
        for (String label : eventsColumn.split(",")) {
            events.add(EventKind.ofLabel(label));
        }
        return new Callback(URI.create(url), events);
    }
}
