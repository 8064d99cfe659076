package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

class ApiDocsTest extends ServiceOnH2 {

    @Test
    void theOpenApiDocumentDescribesEveryEndpointWithItsBodies() {
        ApiClient api = new ApiClient(port);
        JsonNode docs = api.get("/openapi.json").json();
        assertThat(docs.get("info").get("title").asString()).isEqualTo("Priority ingestion service");
        JsonNode paths = docs.get("paths");
        assertThat(paths.has("/ingest")).isTrue();
        assertThat(paths.has("/status/{ingestionId}")).isTrue();
        assertThat(paths.has("/ingestions/{ingestionId}/records")).isTrue();
        assertThat(paths.has("/health")).as("actuator endpoints listed too").isTrue();
        assertThat(paths.has("/metrics")).isTrue();
        assertThat(paths.at("/~1ingest/post/tags/0").asString()).isEqualTo("Ingest");
        assertThat(paths.at("/~1queue/get/tags/0").asString()).isEqualTo("Queue");
        assertThat(paths.at("/~1events/get/tags/0").asString()).isEqualTo("Events");
        assertThat(paths.at("/~1ingestions/get/tags/0").asString()).isEqualTo("Status");
        JsonNode schemas = docs.get("components").get("schemas");
        assertThat(schemas.get("IngestRequest").get("properties").has("ids")).isTrue();
        assertThat(schemas.get("IngestAccepted").get("properties").has("ingestion_id"))
                .isTrue();
        assertThat(schemas.get("BatchStatus").get("properties").has("queue_position"))
                .isTrue();
        assertThat(schemas.get("IngestionStatus").get("properties").has("estimated_completion"))
                .isTrue();
        assertThat(api.get("/docs").status()).isEqualTo(302); // to the Swagger UI
        assertThat(api.get("/swagger-ui/index.html").status()).isEqualTo(200);
    }
}
