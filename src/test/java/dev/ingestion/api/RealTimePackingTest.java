package dev.ingestion.api;

import static dev.ingestion.api.StatusWaits.awaitCompleted;
import static dev.ingestion.api.StatusWaits.ingest;
import static dev.ingestion.api.StatusWaits.startedAt;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

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
 * Slot packing over HTTP on the real clock at a short interval. Timing assertions allow for a
 * loaded 2-core machine, as {@link RealTimeSchedulingTest}'s do; exact times are the fake-clock
 * tests' job.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RealTimePackingTest {

    static final Duration INTERVAL = Duration.ofSeconds(1);
    static final Duration TOLERANCE = RealTimeSchedulingTest.TOLERANCE;

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("ingest.db-url", () -> TestStores.h2Url(folder));
        registry.add("ingest.interval", () -> "1");
        registry.add("ingest.upstream-delay", () -> "100ms");
        registry.add("ingest.packing", () -> "true");
    }

    @LocalServerPort
    int port;

    @Test
    void theWorkedExampleOfTheSpecTakesThreeSlotsInRealTimeWithPacking() throws InterruptedException {
        ApiClient api = new ApiClient(port);
        api.get("/status/" + java.util.UUID.randomUUID()); // the first request of a context is the slow one
        Instant t0 = Instant.now();
        String a = ingest(api, "{\"ids\": [1, 2, 3, 4, 5], \"priority\": \"MEDIUM\"}");
        Thread.sleep(Math.max(
                0,
                Duration.between(Instant.now(), t0.plus(INTERVAL.multipliedBy(4).dividedBy(5)))
                        .toMillis()));
        String b = ingest(api, "{\"ids\": [6, 7, 8, 9], \"priority\": \"HIGH\"}");

        JsonNode statusA = awaitCompleted(api, a, null);
        JsonNode statusB = awaitCompleted(api, b, null);
        Instant a0 = startedAt(statusA, 0);
        Instant b0 = startedAt(statusB, 0);
        Instant b1 = startedAt(statusB, 1);

        assertThat(a0).as("an idle service starts the first batch at once").isBetween(t0, t0.plus(TOLERANCE));
        assertThat(Duration.between(a0, b0)).isBetween(INTERVAL, INTERVAL.plus(TOLERANCE));
        assertThat(Duration.between(b0, b1)).isBetween(INTERVAL, INTERVAL.plus(TOLERANCE));
        assertThat(startedAt(statusA, 1)).as("[4, 5] shares the slot of [9]").isEqualTo(b1);
        assertThat(statusA.get("batches").get(1).get("ids").toString()).isEqualTo("[4,5]");

        assertThat(api.get("/metrics").body())
                .contains("ingest_slot_ids_count 3")
                .contains("ingest_slot_ids_sum 9")
                .contains("ingest_batch_starts_total{run=\"first\"} 4");
    }
}
