package dev.ingestion.events;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Function;

import dev.ingestion.queue.EventKind;
import dev.ingestion.store.EventLog;

/**
 * One client's stream of one ingestion's events. The events are numbered per ingestion with no
 * gap, so the stream reads them from the store after the last one it sent, whenever the hub's tail
 * sees one of them go by and every few seconds anyway: nothing is missed, even an event the tail
 * started too late to see, and nothing is sent twice. After the ingestion's completion it closes.
 */
final class IngestionStream {

    private final UUID ingestionId;
    private final Viewer viewer;
    private final Function<EventLog.Event, Frame> frames;
    private int lastSent;
    private boolean done;
    private Instant readAt = Instant.MIN;

    IngestionStream(UUID ingestionId, int lastEventId, Viewer viewer, Function<EventLog.Event, Frame> frames) {
        this.ingestionId = ingestionId;
        this.lastSent = lastEventId;
        this.viewer = viewer;
        this.frames = frames;
    }

    UUID ingestionId() {
        return ingestionId;
    }

    Viewer viewer() {
        return viewer;
    }

    Instant readAt() {
        return readAt;
    }

    /** Sends what the store holds after the last event sent; the client is told when there is no more. */
    synchronized void catchUp(EventHub.Log log, Instant now, Executor writers) {
        if (done) {
            return;
        }
        readAt = now;
        List<EventLog.Event> events = log.ofIngestion(ingestionId, lastSent);
        for (EventLog.Event event : events) {
            viewer.offer(frames.apply(event), writers);
            lastSent = event.seq();
            if (event.kind() == EventKind.INGESTION_COMPLETED) {
                done = true;
                viewer.finish();
                return;
            }
        }
    }

    synchronized boolean done() {
        return done;
    }
}
