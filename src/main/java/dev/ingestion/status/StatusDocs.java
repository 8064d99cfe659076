package dev.ingestion.status;

import java.util.List;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The shapes of the status and records answers, for the API docs only: the controllers stream
 * their JSON rather than serialise these.
 */
final class StatusDocs {

    private StatusDocs() {}

    @Schema(name = "IngestionStatus")
    record IngestionStatus(
            @Schema(format = "uuid") String ingestion_id,

            @Schema(allowableValues = {"yet_to_start", "triggered", "completed"})
            String status,

            @Schema(allowableValues = {"HIGH", "MEDIUM", "LOW"})
            String priority,

            @Schema(format = "date-time") String created_at,

            @Schema(
                    format = "date-time",
                    nullable = true,
                    description =
                            "when the last batch should complete, if nothing of higher priority arrives; null once completed")
            String estimated_completion,

            @Schema(description = "in submission order") List<Batch> batches) {}

    @Schema(name = "BatchStatus")
    record Batch(
            @Schema(format = "uuid") String batch_id,
            @Schema(example = "[1, 2, 3]") List<Long> ids,

            @Schema(allowableValues = {"yet_to_start", "triggered", "completed"})
            String status,

            @Schema(format = "date-time", nullable = true, description = "first start")
            String started_at,

            @Schema(format = "date-time", nullable = true) String completed_at,

            @Schema(nullable = true, description = "yet_to_start batches only: 1 = starts next, across the deployment")
            Long queue_position,

            @Schema(format = "date-time", nullable = true, description = "yet_to_start batches only")
            String estimated_start,

            @Schema(
                    requiredMode = Schema.RequiredMode.NOT_REQUIRED,
                    description = "present only when some of its ids failed for good: those ids, in batch order "
                            + "(their errors are in the records)")
            List<Long> failed_ids) {}

    @Schema(name = "RecordsPage")
    record RecordsPage(
            @Schema(format = "uuid") String ingestion_id,
            int offset,
            int limit,
            @Schema(description = "ids in the request") int total,
            List<Entry> records) {}

    @Schema(name = "Record")
    record Entry(
            @Schema(description = "position in the request, from 0")
            int position,

            long id,

            @Schema(allowableValues = {"pending", "fetched", "failed"})
            String state,

            @Schema(
                    nullable = true,
                    description = "the upstream's record",
                    example = "{\"id\": 1, \"data\": \"processed\"}")
            Object data,

            @Schema(format = "date-time", nullable = true) String fetched_at,

            @Schema(
                    requiredMode = Schema.RequiredMode.NOT_REQUIRED,
                    description = "failed records only: why, and after how many attempts")
            Failure error,

            @Schema(
                    requiredMode = Schema.RequiredMode.NOT_REQUIRED,
                    format = "date-time",
                    description = "failed records only: when it failed for good")
            String failed_at) {}

    @Schema(name = "Failure")
    record Failure(
            @Schema(allowableValues = {"timeout", "connection", "http", "too_large", "missing", "invalid"})
            String kind,

            @Schema(nullable = true, description = "the upstream's HTTP status, when it answered")
            Integer status,

            String message,

            @Schema(description = "upstream attempts made for this id")
            int attempts) {}

    @Schema(name = "Error")
    record Error(String error, @Schema(nullable = true) java.util.Map<String, String> details) {}
}
