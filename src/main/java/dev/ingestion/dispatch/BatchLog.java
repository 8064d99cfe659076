package dev.ingestion.dispatch;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import dev.ingestion.queue.ClaimedBatch;

/**
 * One line per batch start and completion. The fields are in the text for people and in the
 * logging context for log shippers: with LOGGING_STRUCTURED_FORMAT_CONSOLE=ecs (or logstash) each
 * line is JSON and carries them as fields of their own.
 */
final class BatchLog {

    private static final Logger log = LoggerFactory.getLogger(BatchLog.class);

    private BatchLog() {}

    static void started(ClaimedBatch batch, Duration lateness) {
        Map<String, String> fields = fields(batch);
        if (lateness != null) {
            fields.put("lateness_ms", String.format(java.util.Locale.ROOT, "%.1f", lateness.toNanos() / 1e6));
        }
        write("batch started", fields);
    }

    static void completed(ClaimedBatch batch) {
        write("batch completed", fields(batch));
    }

    private static Map<String, String> fields(ClaimedBatch batch) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("ingestion_id", batch.ingestionId().toString());
        fields.put("batch", Integer.toString(batch.index()));
        fields.put("priority", batch.priority().name());
        fields.put("attempt", Integer.toString(batch.attempt()));
        return fields;
    }

    private static void write(String what, Map<String, String> fields) {
        if (!log.isInfoEnabled()) {
            return;
        }
        fields.forEach(MDC::put);
        try {
            log.info(
                    "{}: {}",
                    what,
                    fields.entrySet().stream()
                            .map(field -> field.getKey() + "=" + field.getValue())
                            .collect(Collectors.joining(" ")));
        } finally {
            fields.keySet().forEach(MDC::remove);
        }
    }
}
