package dev.ingestion.status;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.RecordState;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.StoredRecord;
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

/** The fetched records of an ingestion, one entry per requested id in request order, a page at a time. */
@RestController
@Tag(name = "Status")
class RecordsController {

    static final int MAX_LIMIT = 1000;

    private final QueueReads store;

    RecordsController(QueueReads store) {
        this.store = store;
    }

    @Operation(
            summary = "The records fetched for an ingestion, paged, in request order",
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        content =
                                @Content(
                                        mediaType = "application/json",
                                        schema = @Schema(implementation = StatusDocs.RecordsPage.class))),
                @ApiResponse(
                        responseCode = "400",
                        description = "bad offset or limit",
                        content =
                                @Content(
                                        mediaType = "application/json",
                                        schema = @Schema(implementation = StatusDocs.Error.class))),
                @ApiResponse(
                        responseCode = "404",
                        description = "unknown or malformed id",
                        content =
                                @Content(
                                        mediaType = "application/json",
                                        schema = @Schema(implementation = StatusDocs.Error.class)))
            })
    @GetMapping("/ingestions/{ingestionId}/records")
    void records(
            @PathVariable String ingestionId,
            @RequestParam(defaultValue = "0") String offset,
            @RequestParam(defaultValue = "100") String limit,
            HttpServletRequest request,
            HttpServletResponse response)
            throws IOException {
        UUID id = Ids.ingestionId(ingestionId);
        int from = parse("offset", offset, 0, Integer.MAX_VALUE);
        int size = parse("limit", limit, 1, MAX_LIMIT);
        Caller caller = Caller.of(request);
        IngestionRow ingestion = store.findIngestion(id)
                .filter(row -> caller.canSee(row.owner()))
                .orElseThrow(() -> ApiException.notFound("Ingestion"));
        int to = (int) Math.min(ingestion.idCount(), (long) from + size);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        try (OutputStream out = response.getOutputStream();
                JsonGenerator json = JsonMapper.shared().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringProperty("ingestion_id", id.toString());
            json.writeNumberProperty("offset", from);
            json.writeNumberProperty("limit", size);
            json.writeNumberProperty("total", ingestion.idCount());
            json.writeName("records");
            json.writeStartArray();
            store.forEachRecord(
                    ingestion,
                    from,
                    to,
                    (position, requested, record) -> writeRecord(json, position, requested, record));
            json.writeEndArray();
            json.writeEndObject();
        }
    }

    private static void writeRecord(JsonGenerator json, int position, int id, StoredRecord record) {
        json.writeStartObject();
        json.writeNumberProperty("position", position);
        json.writeNumberProperty("id", id);
        RecordState state = record == null ? RecordState.PENDING : record.state();
        json.writeStringProperty("state", state.label());
        json.writeName("data");
        if (state == RecordState.FETCHED) {
            json.writeRawValue(record.data());
        } else {
            json.writeNull();
        }
        Timestamps.write(json, "fetched_at", state == RecordState.FETCHED ? record.fetchedAt() : null);
        if (state == RecordState.FAILED) {
            json.writeName("error");
            json.writeRawValue(record.data());
            Timestamps.write(json, "failed_at", record.fetchedAt());
        }
        json.writeEndObject();
    }

    private static int parse(String name, String text, int min, int max) {
        try {
            long value = Long.parseLong(text.trim());
            if (value >= min && value <= max) {
                return (int) value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.invalid(Map.of(name, "must be an integer between " + min + " and " + max));
    }
}
