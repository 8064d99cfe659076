package dev.ingestion.events;

import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** One server-sent event (or comment), its JSON written once for every viewer. */
record Frame(String name, String id, String data, boolean comment) {

    static Frame event(String name, String json) {
        return new Frame(name, null, json, false);
    }

    /** An event a client can resume after: its id comes back as Last-Event-ID. */
    static Frame event(String name, String id, String json) {
        return new Frame(name, id, json, false);
    }

    static Frame comment(String text) {
        return new Frame(null, null, text, true);
    }

    SseEmitter.SseEventBuilder builder() {
        if (comment) {
            return SseEmitter.event().comment(data);
        }
        SseEmitter.SseEventBuilder event = SseEmitter.event().name(name);
        return (id == null ? event : event.id(id)).data(data);
    }
}
