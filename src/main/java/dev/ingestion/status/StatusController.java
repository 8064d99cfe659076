package dev.ingestion.status;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.BatchState;
import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.settings.IngestSettings;
import dev.ingestion.store.BatchRow;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.QueueReads;
import dev.ingestion.upstream.Upstream;
import dev.ingestion.web.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /status/{id}}. The JSON is streamed batch by batch as the store reads the ids, so the
 * status of a 300,000-batch ingestion costs a few queries and a sequential read, not a tree in
 * memory. Estimates take "now" from this instance's clock: no query just to learn the time.
 */
@RestController
@Tag(name = "Status")
class StatusController {

    private final QueueReads store;
    private final Clock clock;
    private final RateLimit rateLimit;
    private final Upstream upstream;

    /** How the slots of a priority are shared: the estimates follow the same order as the claim. */
    private final Fairness fairness;

    StatusController(QueueReads store, Clock clock, RateLimit rateLimit, Upstream upstream, IngestSettings settings) {
        this.fairness = settings.fairShare();
        this.store = store;
        this.clock = clock;
        this.rateLimit = rateLimit;
        this.upstream = upstream;
    }

    @Operation(
            summary = "The state of an ingestion and of each of its batches",
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        content =
                                @Content(
                                        mediaType = "application/json",
                                        schema = @Schema(implementation = StatusDocs.IngestionStatus.class))),
                @ApiResponse(
                        responseCode = "404",
                        description = "unknown or malformed id",
                        content =
                                @Content(
                                        mediaType = "application/json",
                                        schema = @Schema(implementation = StatusDocs.Error.class)))
            })
    @GetMapping("/status/{ingestionId}")
    void status(@PathVariable String ingestionId, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        UUID id = Ids.ingestionId(ingestionId);
        Caller caller = Caller.of(request);
        IngestionRow ingestion = store.findIngestion(id)
                .filter(row -> caller.canSee(row.owner()))
                .orElseThrow(() -> ApiException.notFound("Ingestion"));
        // Batches are written as they start: with none started yet there is nothing to read.
        List<BatchRow> started = ingestion.nextBatch() == 0 ? List.of() : store.startedBatches(id);
        Instant now = clock.instant();
        boolean waiting = started.size() < ingestion.batchCount();
        Schedule schedule = null;
        if (waiting) {
            QueueReads.FairPlace place = fairness.on()
                    ? store.fairPlace(ingestion, fairness, now)
                    : new QueueReads.FairPlace(store.batchesAhead(ingestion, now), 1);
            schedule = Schedule.of(
                    rateLimit,
                    store.rateLimiter(rateLimit),
                    now,
                    place.ahead(),
                    place.stride(),
                    upstream.expectedLatency());
        }
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        try (OutputStream out = response.getOutputStream();
                JsonGenerator json = JsonMapper.shared().createGenerator(out)) {
            writeStatus(json, ingestion, started, schedule, now);
        }
    }

    private void writeStatus(
            JsonGenerator json, IngestionRow ingestion, List<BatchRow> started, Schedule schedule, Instant now) {
        int completed = (int) started.stream().filter(BatchRow::completed).count();
        json.writeStartObject();
        json.writeStringProperty("ingestion_id", ingestion.id().toString());
        json.writeStringProperty(
                "status",
                BatchState.ofIngestion(ingestion.batchCount(), started.size(), completed)
                        .label());
        json.writeStringProperty("priority", ingestion.priority().name());
        Timestamps.write(json, "created_at", ingestion.createdAt());
        Timestamps.write(json, "estimated_completion", estimatedCompletion(ingestion, started, schedule, now));
        json.writeName("batches");
        json.writeStartArray();
        BatchRow[] byIndex = new BatchRow[ingestion.batchCount()];
        started.forEach(row -> byIndex[row.index()] = row);
        Set<Integer> failed = failedPositions(ingestion, started);
        int[] waiting = {0};
        store.forEachBatch(ingestion, (index, ids, from, to) -> {
            BatchRow row = byIndex[index];
            writeBatch(json, ingestion.id(), index, ids, from, to, row, row == null ? waiting[0]++ : -1, schedule);
            if (row != null && row.failedIds() > 0) {
                json.writeName("failed_ids");
                json.writeStartArray();
                for (int i = from; i < to; i++) {
                    if (failed.contains(ingestion.batchStart(index) + i - from)) {
                        json.writeNumber(ids[i]);
                    }
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        });
        json.writeEndArray();
        json.writeEndObject();
    }

    /** Writes a batch's fields but leaves its object open, for what only some batches carry. */
    private static void writeBatch(
            JsonGenerator json,
            UUID ingestionId,
            int index,
            int[] chunk,
            int from,
            int to,
            BatchRow row,
            int waitingIndex,
            Schedule schedule) {
        json.writeStartObject();
        json.writeStringProperty("batch_id", Ids.batchId(ingestionId, index).toString());
        json.writeName("ids");
        json.writeArray(chunk, from, to - from);
        json.writeStringProperty("status", (row == null ? BatchState.YET_TO_START : row.state()).label());
        Timestamps.write(json, "started_at", row == null ? null : row.startedAt());
        Timestamps.write(json, "completed_at", row == null ? null : row.completedAt());
        if (row == null) {
            json.writeNumberProperty("queue_position", schedule.position(waitingIndex));
            Timestamps.write(json, "estimated_start", schedule.start(waitingIndex));
        } else {
            json.writeNullProperty("queue_position");
            json.writeNullProperty("estimated_start");
        }
    }

    /**
     * The positions whose ids failed for good, read only across the batches that have any: most
     * ingestions have none, and then this costs nothing.
     */
    private Set<Integer> failedPositions(IngestionRow ingestion, List<BatchRow> started) {
        int from = Integer.MAX_VALUE;
        int to = 0;
        for (BatchRow row : started) {
            if (row.failedIds() > 0) {
                from = Math.min(from, ingestion.batchStart(row.index()));
                to = Math.max(to, ingestion.batchEnd(row.index()));
            }
        }
        return from < to ? store.failedPositions(ingestion.id(), from, to) : Set.of();
    }

    private Instant estimatedCompletion(
            IngestionRow ingestion, List<BatchRow> started, Schedule schedule, Instant now) {
        Instant latestRunning = started.stream()
                .filter(row -> !row.completed())
                .map(BatchRow::lastStartedAt)
                .max(Instant::compareTo)
                .orElse(null);
        return Schedule.completion(
                schedule, ingestion.batchCount() - started.size(), latestRunning, upstream.expectedLatency(), now);
    }
}
