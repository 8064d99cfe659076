package dev.ingestion.events;

import java.util.Map;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.BatchState;
import dev.ingestion.queue.EventKind;
import dev.ingestion.status.Ids;
import dev.ingestion.status.Timestamps;
import dev.ingestion.store.EventLog;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.QueueReads;
import dev.ingestion.web.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * {@code GET /status/{id}/events}: one ingestion's events, from the first (or after
 * {@code Last-Event-ID}) until it completes, then the stream closes. The event ids are the
 * ingestion's own numbers, the same on every instance, so a client that reconnects anywhere with
 * the last one it saw gets what it missed and nothing twice.
 */
@RestController
@Tag(name = "Events")
class IngestionEventsController {

    private final EventHub hub;
    private final QueueReads reads;

    IngestionEventsController(EventHub hub, QueueReads reads) {
        this.hub = hub;
        this.reads = reads;
    }

    /** An event as this stream shows it: the batch as /status shows it at that moment. */
    record IngestionEvent(
            String ingestion_id,
            int seq,
            String kind,
            String batch_id,
            Integer batch_index,
            int[] ids,
            String status,
            Integer attempt,
            String at) {}

    @Operation(
            summary = "One ingestion's events (batch.started, batch.retry, batch.completed, ingestion.completed) as"
                    + " server-sent events; resumable with Last-Event-ID; closes once the ingestion completes")
    @GetMapping(value = "/status/{ingestionId}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(
            @PathVariable String ingestionId,
            @RequestHeader(value = "Last-Event-ID", required = false) String lastEventId,
            HttpServletRequest request) {
        Caller caller = Caller.of(request);
        UUID id = Ids.ingestionId(ingestionId);
        IngestionRow ingestion = reads.findIngestion(id)
                .filter(row -> caller.canSee(row.owner()))
                .orElseThrow(() -> ApiException.notFound("Ingestion"));
        int after = lastEventId == null ? 0 : seq(lastEventId);
        SseEmitter emitter = new SseEmitter(0L);
        hub.follow(new IngestionStream(id, after, new Viewer(emitter, caller), event -> frame(ingestion, event)));
        return emitter;
    }

    private Frame frame(IngestionRow ingestion, EventLog.Event event) {
        Integer index = event.batchIndex();
        String status = event.kind() == EventKind.BATCH_COMPLETED || event.kind() == EventKind.INGESTION_COMPLETED
                ? BatchState.COMPLETED.label()
                : BatchState.TRIGGERED.label();
        IngestionEvent data = new IngestionEvent(
                ingestion.id().toString(),
                event.seq(),
                event.kind().label(),
                index == null ? null : Ids.batchId(ingestion.id(), index).toString(),
                index,
                index == null ? null : reads.batchIds(ingestion, index),
                status,
                event.attempt(),
                Timestamps.format(event.at()));
        return Frame.event(event.kind().label(), Integer.toString(event.seq()), EventHub.json(data));
    }

    private static int seq(String lastEventId) {
        try {
            int seq = Integer.parseInt(lastEventId.strip());
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.invalid(Map.of("Last-Event-ID", "must be the id of an event of this stream"));
    }
}
