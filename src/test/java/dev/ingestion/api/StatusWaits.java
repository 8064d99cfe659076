package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;

import tools.jackson.databind.JsonNode;

/** Submitting an ingestion and waiting for its completion through GET /status, for the scheduling tests. */
final class StatusWaits {

    private StatusWaits() {}

    /** POST /ingest, which must answer 200; its ingestion's id. */
    static String ingest(ApiClient api, String body, String... headers) {
        ApiClient.Reply reply = api.post("/ingest", "application/json", body, headers);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json().get("ingestion_id").asString();
    }

    /**
     * Its status once completed.
     *
     * @param key sent as X-API-Key; null when keys are off
     */
    static JsonNode awaitCompleted(ApiClient api, String id, String key) {
        JsonNode[] status = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    ApiClient.Reply reply =
                            key == null ? api.get("/status/" + id) : api.get("/status/" + id, "X-API-Key", key);
                    status[0] = reply.json();
                    return "completed".equals(status[0].get("status").asString());
                });
        return status[0];
    }

    static Instant startedAt(JsonNode status, int batch) {
        return Instant.parse(status.get("batches").get(batch).get("started_at").asString());
    }
}
