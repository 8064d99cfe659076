package dev.ingestion.events;

import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** One server-sent event (or comment), its JSON written once for every viewer. */
record Frame(String name, String data, boolean comment) {

    static Frame event(String name, String json) {
        return new Frame(name, json, false);
    }

    static Frame comment(String text) {
        return new Frame(null, text, true);
    }

    SseEmitter.SseEventBuilder builder() {
        return comment
                ? SseEmitter.event().comment(data)
                : SseEmitter.event().name(name).data(data);
    }
}
