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
 * Fair share by ingestion over HTTP on the real clock at a short interval: a one-id request sent
 * right behind a nine-id one of the same priority starts at the next slot, not after all three of
 * its batches. Timing allows for a loaded 2-core machine, as {@link RealTimeSchedulingTest}'s does.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RealTimeFairShareTest {

    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final Duration TOLERANCE = RealTimeSchedulingTest.TOLERANCE;

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("ingest.db-url", () -> TestStores.h2Url(folder));
        registry.add("ingest.interval", () -> "1");
        registry.add("ingest.upstream-delay", () -> "100ms");
        registry.add("ingest.fairness", () -> "ingestion");
    }

    @LocalServerPort
    int port;

    @Test
    void aSmallRequestBehindABigOneOfTheSamePriorityStartsAtTheNextSlotInRealTime() {
        ApiClient api = new ApiClient(port);
        api.get("/status/" + UUID.randomUUID()); // the first request of a context is the slow one
        Instant t0 = Instant.now();
        String big = ingest(api, "{\"ids\": [1, 2, 3, 4, 5, 6, 7, 8, 9], \"priority\": \"LOW\"}");
        String small = ingest(api, "{\"ids\": [10], \"priority\": \"LOW\"}");

        JsonNode bigStatus = awaitCompleted(api, big, null);
        JsonNode smallStatus = awaitCompleted(api, small, null);
        Instant big0 = startedAt(bigStatus, 0);
        Instant small0 = startedAt(smallStatus, 0);
        Instant big1 = startedAt(bigStatus, 1);
        Instant big2 = startedAt(bigStatus, 2);

        assertThat(big0).as("an idle service starts the first batch at once").isBetween(t0, t0.plus(TOLERANCE));
        assertThat(Duration.between(big0, small0)).isBetween(INTERVAL, INTERVAL.plus(TOLERANCE));
        assertThat(Duration.between(small0, big1)).isBetween(INTERVAL, INTERVAL.plus(TOLERANCE));
        assertThat(Duration.between(big1, big2)).isBetween(INTERVAL, INTERVAL.plus(TOLERANCE));
    }
}
