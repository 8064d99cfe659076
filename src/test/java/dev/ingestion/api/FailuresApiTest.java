package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.upstream.Outcome;
import dev.ingestion.upstream.Upstream;
import tools.jackson.databind.JsonNode;

/** How ids that fail for good look to a client: in their batch's failed_ids, and as failed records. */
class FailuresApiTest extends ServiceOnH2 {

    ApiClient api;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("ingest.interval", () -> "50ms");
    }

    /** Answers 404 for every id divisible by 13, and the record for the others. */
    @TestConfiguration(proxyBeanMethods = false)
    static class NotFoundForThirteens {

        @Bean
        @Primary
        Upstream notFoundForThirteens() {
            return new Upstream() {
                @Override
                public List<CompletableFuture<Outcome>> fetch(List<Integer> ids) {
                    return ids.stream()
                            .map(id -> CompletableFuture.<Outcome>completedFuture(
                                    id % 13 == 0
                                            ? new Outcome.Final(
                                                    new Outcome.Failure("http", 404, "HTTP 404 from the upstream"))
                                            : new Outcome.Fetched("{\"id\":" + id + "}")))
                            .toList();
                }

                @Override
                public Duration expectedLatency() {
                    return Duration.ZERO;
                }
            };
        }
    }

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    @Test
    void idsThatFailForGoodAreListedInTheirBatchAndTheirRecordsSayWhy() {
        UUID id = ApiAnswers.acceptedId(api.ingest("{\"ids\": [13, 14, 15, 26, 39, 40], \"priority\": \"HIGH\"}"));

        JsonNode status = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> api.get("/status/" + id).json(),
                        s -> s.get("status").asString().equals("completed"));

        JsonNode batches = status.get("batches");
        assertThat(batches.get(0).get("failed_ids").toString()).isEqualTo("[13]");
        assertThat(batches.get(1).get("failed_ids").toString()).isEqualTo("[26,39]");
        assertThat(batches.get(1).get("status").asString()).isEqualTo("completed");
        JsonNode records = api.get("/ingestions/" + id + "/records").json().get("records");
        assertThat(records.get(0).get("state").asString()).isEqualTo("failed");
        assertThat(records.get(0).get("data").isNull()).isTrue();
        assertThat(records.get(0).get("fetched_at").isNull()).isTrue();
        assertThat(records.get(0).get("error").toString())
                .isEqualTo(
                        "{\"kind\":\"http\",\"status\":404,\"message\":\"HTTP 404 from the upstream\",\"attempts\":1}");
        assertThat(records.get(0).get("failed_at").asString()).endsWith("Z");
        assertThat(records.get(1).get("state").asString()).isEqualTo("fetched");
        assertThat(records.get(1).has("error")).isFalse();
    }

    @Test
    void aBatchWithoutFailuresCarriesNoFailedIds() {
        UUID id = ApiAnswers.acceptedId(api.ingest("{\"ids\": [1, 2], \"priority\": \"HIGH\"}"));

        JsonNode status = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> api.get("/status/" + id).json(),
                        s -> s.get("status").asString().equals("completed"));

        assertThat(status.get("batches").get(0).has("failed_ids")).isFalse();
    }
}
