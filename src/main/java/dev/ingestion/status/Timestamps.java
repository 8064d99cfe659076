package dev.ingestion.status;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import tools.jackson.core.JsonGenerator;

/** ISO-8601 UTC with milliseconds, always the same width: {@code 2026-11-23T05:42:19.123Z}. */
public final class Timestamps {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Timestamps() {}

    public static String format(Instant instant) {
        return FORMAT.format(instant);
    }

    static void write(JsonGenerator json, String name, Instant instant) {
        if (instant == null) {
            json.writeNullProperty(name);
        } else {
            json.writeStringProperty(name, format(instant));
        }
    }
}
