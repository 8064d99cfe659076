package dev.ingestion.api;

import static dev.ingestion.api.StatusWaits.awaitCompleted;
import static dev.ingestion.api.StatusWaits.ingest;
import static dev.ingestion.api.StatusWaits.startedAt;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.support.TestStores;
import tools.jackson.databind.JsonNode;

/**
 * Fair share by key over HTTP on the real clock: the slots go round the keys with waiting work,
 * and within a key first in, first out, so a key's second request waits for its first.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RealTimeFairShareByKeyTest {

    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final Duration TOLERANCE = RealTimeSchedulingTest.TOLERANCE;
    static final String ALPHA = "alpha-secret-000000001";
    static final String BETA = "beta-secret-0000000002";

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("ingest.db-url", () -> TestStores.h2Url(folder));
        registry.add("ingest.interval", () -> "1");
        registry.add("ingest.upstream-delay", () -> "100ms");
        registry.add("ingest.fairness", () -> "key");
        registry.add("ingest.access.api-keys", () -> "alpha:" + ALPHA + ",beta:" + BETA);
    }

    @LocalServerPort
    int port;

    @Test
    void theSlotsGoRoundTheKeysAndAKeysSecondRequestWaitsForItsFirstInRealTime() {
        ApiClient api = new ApiClient(port);
        api.get("/status/" + UUID.randomUUID(), "X-API-Key", ALPHA); // the first request is the slow one
        Instant t0 = Instant.now();
        String first = ingest(api, "{\"ids\": [1, 2, 3, 4, 5, 6], \"priority\": \"LOW\"}", "X-API-Key", ALPHA);
        String second = ingest(api, "{\"ids\": [7], \"priority\": \"LOW\"}", "X-API-Key", ALPHA);
        String other = ingest(api, "{\"ids\": [10], \"priority\": \"LOW\"}", "X-API-Key", BETA);

        JsonNode firstStatus = awaitCompleted(api, first, ALPHA);
        JsonNode secondStatus = awaitCompleted(api, second, ALPHA);
        JsonNode otherStatus = awaitCompleted(api, other, BETA);
        Instant first0 = startedAt(firstStatus, 0);
        Instant other0 = startedAt(otherStatus, 0);
        Instant first1 = startedAt(firstStatus, 1);
        Instant second0 = startedAt(secondStatus, 0);

        assertThat(first0).as("an idle service starts the first batch at once").isBetween(t0, t0.plus(TOLERANCE));
        assertThat(Duration.between(first0, other0)).isBetween(INTERVAL, INTERVAL.plus(TOLERANCE));
        assertThat(Duration.between(other0, first1)).isBetween(INTERVAL, INTERVAL.plus(TOLERANCE));
        assertThat(Duration.between(first1, second0)).isBetween(INTERVAL, INTERVAL.plus(TOLERANCE));
    }
}
