package dev.ingestion.webhooks;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.EventKind;
import dev.ingestion.status.Ids;
import dev.ingestion.status.Timestamps;
import dev.ingestion.store.Callback;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.WebhookOutbox;
import dev.ingestion.web.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/** {@code GET /ingestions/{id}/deliveries}: every webhook of an ingestion and each attempt at it. */
@RestController
@Tag(name = "Webhooks")
class DeliveriesController {

    record Deliveries(
            String ingestion_id, String callback_url, List<String> callback_events, List<Delivery> deliveries) {}

    record Delivery(
            String webhook_id,
            int event_id,
            String type,
            String url,
            String state,
            int attempts,
            String created_at,
            String next_attempt_at,
            String delivered_at,
            List<Attempt> history) {}

    record Attempt(int attempt, String at, Integer status_code, String error, int duration_ms) {}

    private final QueueReads reads;
    private final WebhookOutbox outbox;

    DeliveriesController(QueueReads reads, WebhookOutbox outbox) {
        this.reads = reads;
        this.outbox = outbox;
    }

    @Operation(
            summary = "An ingestion's webhooks: their state (pending, delivered, failed, gone, dropped), next attempt,"
                    + " and every attempt made (time, status code, error)")
    @GetMapping(value = "/ingestions/{ingestionId}/deliveries", produces = MediaType.APPLICATION_JSON_VALUE)
    Deliveries deliveries(@PathVariable String ingestionId, HttpServletRequest request) {
        Caller caller = Caller.of(request);
        UUID id = Ids.ingestionId(ingestionId);
        IngestionRow ingestion = reads.findIngestion(id)
                .filter(row -> caller.canSee(row.owner()))
                .orElseThrow(() -> ApiException.notFound("Ingestion"));
        Callback callback = ingestion.callback();
        return new Deliveries(
                id.toString(),
                callback == null ? null : callback.url().toString(),
                callback == null
                        ? List.of()
                        : callback.events().stream()
                                .sorted()
                                .map(EventKind::label)
                                .toList(),
                outbox.ofIngestion(id).stream().map(DeliveriesController::view).toList());
    }

    private static Delivery view(WebhookOutbox.Delivery delivery) {
        return new Delivery(
                Deliverer.webhookId(delivery.ingestionId(), delivery.seq()),
                delivery.seq(),
                delivery.kind().label(),
                delivery.url().toString(),
                delivery.state().label(),
                delivery.attempts(),
                format(delivery.createdAt()),
                format(delivery.nextAttemptAt()),
                format(delivery.deliveredAt()),
                delivery.history().stream()
                        .map(attempt -> new Attempt(
                                attempt.attempt(),
                                format(attempt.at()),
                                attempt.statusCode(),
                                attempt.error(),
                                attempt.millis()))
                        .toList());
    }

    private static String format(Instant instant) {
        return instant == null ? null : Timestamps.format(instant);
    }
}
