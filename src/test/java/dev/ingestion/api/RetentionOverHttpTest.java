package dev.ingestion.api;

import static dev.ingestion.api.ApiAnswers.acceptedId;
import static dev.ingestion.api.ApiAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.retention.RetentionPurge;
import dev.ingestion.support.FakeClock;

/**
 * INGEST_RETENTION over HTTP: once a completed ingestion has been kept its time it is gone for
 * every endpoint, while work still waiting is not touched. The clock is the test's: the first
 * ingestion starts at once and completes at T0, the second waits for the next slot, an hour away,
 * which the dispatcher never reaches because the clock only moves when the test moves it.
 */
class RetentionOverHttpTest extends ServiceOnH2 {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final FakeClock CLOCK = new FakeClock(T0);

    @DynamicPropertySource
    static void retention(DynamicPropertyRegistry registry) {
        registry.add("ingest.interval", () -> "1h");
        registry.add("ingest.upstream-delay", () -> "50ms");
        registry.add("ingest.retention", () -> "1h");
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class TestClock {

        @Bean
        @Primary
        Clock testClock() {
            return CLOCK;
        }
    }

    @Autowired
    RetentionPurge purge;

    @Test
    void aCompletedIngestionKeptForItsRetentionIsThen404EverywhereWhileWaitingWorkStays() {
        ApiClient api = new ApiClient(port);
        UUID done = acceptedId(api.ingest("{\"ids\": [1, 2, 3], \"priority\": \"HIGH\"}"));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "completed".equals(status(api, done).get("status").asString()));
        UUID waiting = acceptedId(api.ingest("{\"ids\": [4, 5, 6], \"priority\": \"LOW\"}"));
        assertThat(position(api, waiting)).isEqualTo(1);

        CLOCK.set(T0.plus(Duration.ofHours(1)));
        purge.sweep();
        assertThat(api.get("/status/" + done).status())
                .as("kept exactly its retention")
                .isEqualTo(200);

        CLOCK.set(T0.plus(Duration.ofHours(1)).plusMillis(1));
        purge.sweep();

        assertError(api.get("/status/" + done), 404);
        assertError(api.get("/ingestions/" + done + "/records"), 404);
        assertThat(status(api, waiting).get("status").asString()).isEqualTo("yet_to_start");
        assertThat(position(api, waiting)).as("its queue position").isEqualTo(1);
        assertThat(api.get("/metrics").body()).contains("ingest_retention_purged_total{what=\"ingestions\"} 1.0");
    }

    private static long position(ApiClient api, UUID id) {
        return status(api, id).get("batches").get(0).get("queue_position").asLong();
    }

    private static tools.jackson.databind.JsonNode status(ApiClient api, UUID id) {
        ApiClient.Reply reply = api.get("/status/" + id);
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        return reply.json();
    }
}
