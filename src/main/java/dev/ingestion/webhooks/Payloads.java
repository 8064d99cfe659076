package dev.ingestion.webhooks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.ingestion.queue.BatchState;
import dev.ingestion.queue.EventKind;
import dev.ingestion.status.Ids;
import dev.ingestion.status.Timestamps;
import dev.ingestion.store.BatchRow;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.WebhookOutbox.Due;
import tools.jackson.databind.json.JsonMapper;

/**
 * The body of a webhook, in the Standard Webhooks shape ({@code type}, {@code timestamp},
 * {@code data}). It carries the ingestion's state as it was when the event happened, never the
 * fetched records (links to them instead), and every attempt of an event sends the same bytes:
 * a completed batch or ingestion no longer changes.
 */
final class Payloads {

    record Payload(String type, String timestamp, Object data) {}

    record Links(String status, String records, String events, String deliveries) {}

    record IngestionCompleted(
            String ingestion_id,
            int event_id,
            String status,
            String priority,
            String created_at,
            String completed_at,
            int ids,
            int failed_ids,
            int batches,
            Links links) {}

    record BatchCompleted(String ingestion_id, int event_id, String priority, Batch batch, Links links) {}

    record Batch(
            String batch_id,
            int batch_index,
            int[] ids,
            String status,
            String started_at,
            String completed_at,
            int attempts,
            int[] failed_ids) {}

    private final QueueReads reads;
    private final String base;

    /** @param base where clients reach the service (INGEST_PUBLIC_URL), prefixed to the links; "" for paths */
    Payloads(QueueReads reads, String base) {
        this.reads = reads;
        this.base = base;
    }

    /** Empty when the ingestion is no longer stored (a retention purge took it). */
    Optional<byte[]> of(Due due) {
        return reads.findIngestion(due.ingestionId()).map(ingestion -> {
            Object data = due.kind() == EventKind.BATCH_COMPLETED
                    ? batchCompleted(ingestion, due)
                    : ingestionCompleted(ingestion, due);
            return JsonMapper.shared()
                    .writeValueAsBytes(new Payload(due.kind().label(), Timestamps.format(due.occurredAt()), data));
        });
    }

    private IngestionCompleted ingestionCompleted(IngestionRow ingestion, Due due) {
        int failed = reads.failedIds(ingestion.id());
        return new IngestionCompleted(
                ingestion.id().toString(),
                due.seq(),
                BatchState.COMPLETED.label(),
                ingestion.priority().name(),
                Timestamps.format(ingestion.createdAt()),
                Timestamps.format(due.occurredAt()),
                ingestion.idCount(),
                failed,
                ingestion.batchCount(),
                links(ingestion));
    }

    private BatchCompleted batchCompleted(IngestionRow ingestion, Due due) {
        int index = due.batchIndex();
        BatchRow row = reads.startedBatch(ingestion.id(), index).orElseThrow();
        int[] ids = reads.batchIds(ingestion, index);
        int from = ingestion.batchStart(index);
        Set<Integer> failedPositions = row.failedIds() == 0
                ? Set.of()
                : reads.failedPositions(ingestion.id(), from, ingestion.batchEnd(index));
        List<Integer> failed = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (failedPositions.contains(from + i)) {
                failed.add(ids[i]);
            }
        }
        Batch batch = new Batch(
                Ids.batchId(ingestion.id(), index).toString(),
                index,
                ids,
                row.state().label(),
                Timestamps.format(row.startedAt()),
                Timestamps.format(row.completedAt()),
                row.attempts(),
                failed.stream().mapToInt(Integer::intValue).toArray());
        return new BatchCompleted(
                ingestion.id().toString(), due.seq(), ingestion.priority().name(), batch, links(ingestion));
    }

    private Links links(IngestionRow ingestion) {
        String id = ingestion.id().toString();
        return new Links(
                base + "/status/" + id,
                base + "/ingestions/" + id + "/records",
                base + "/status/" + id + "/events",
                base + "/ingestions/" + id + "/deliveries");
    }
}
