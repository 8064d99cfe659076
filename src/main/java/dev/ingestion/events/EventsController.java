package dev.ingestion.events;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.ingestion.access.Caller;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * {@code GET /events}: the deployment's queue as server-sent events. {@code queue} (the GET /queue
 * document) on connect and on every change, a few a second at most; {@code batch} for each batch
 * start, retry and completion and {@code ingestion} for each completed ingestion, of the
 * ingestions the key may see.
 */
@RestController
@Tag(name = "Events")
class EventsController {

    private final EventHub hub;

    EventsController(EventHub hub) {
        this.hub = hub;
    }

    @Operation(summary = "Server-sent events: queue changes, batch starts, retries and completions")
    @GetMapping(value = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter events(HttpServletRequest request) {
        // no timeout: the stream lasts until the viewer leaves or the instance stops
        SseEmitter emitter = new SseEmitter(0L);
        hub.subscribe(new Viewer(emitter, Caller.of(request)));
        return emitter;
    }
}
