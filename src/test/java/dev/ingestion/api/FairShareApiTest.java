package dev.ingestion.api;

import static dev.ingestion.api.ApiAnswers.acceptedId;
import static dev.ingestion.api.ApiAnswers.body;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.dispatch.Dispatcher;
import dev.ingestion.queue.Claim;
import dev.ingestion.support.FakeClock;
import dev.ingestion.support.TestStores;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /status} with fair share by ingestion, on a frozen clock and an interval of an hour:
 * the test moves the clock to each slot and runs the dispatcher's step itself. The next batch of
 * each ingestion is estimated exactly (the ingestions ahead of it in the round, one slot each);
 * each later one a round after the one before, a round counting every waiting ingestion of the
 * priority: an upper bound, as the round shrinks when ingestions finish.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class FairShareApiTest {

    static final Duration INTERVAL = Duration.ofHours(1);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final FakeClock CLOCK = new FakeClock(T0);

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("ingest.db-url", () -> TestStores.h2Url(folder));
        registry.add("ingest.interval", () -> "1h");
        registry.add("ingest.upstream-delay", () -> "100ms");
        registry.add("ingest.fairness", () -> "ingestion");
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class FrozenClock {

        @Bean
        @Primary
        Clock frozenClock() {
            return CLOCK;
        }
    }

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    @Test
    void theNextBatchOfEachIngestionIsEstimatedExactlyAndEveryLaterOneIsAnUpperBound() {
        ApiClient api = new ApiClient(port);
        UUID a = accept(api, "LOW", 1);
        StatusWaits.awaitCompleted(api, a.toString(), null); // the loop started it at once, at T0; the next slot is T1
        UUID b = accept(api, "LOW", 2, 3, 4, 5, 6, 7, 8, 9, 10);
        UUID c = accept(api, "LOW", 11);
        UUID d = accept(api, "LOW", 12);
        List<UUID> waiting = List.of(b, c, d);

        Map<String, List<Instant>> estimates = new LinkedHashMap<>();
        Map<String, List<Instant>> nextEstimates = new LinkedHashMap<>();
        note(api, waiting, estimates, nextEstimates);
        JsonNode bBatches = api.get("/status/" + b).json().get("batches");
        assertThat(bBatches.get(2).get("queue_position").asLong())
                .as("a round of three ingestions between each of its batches")
                .isEqualTo(7);

        for (int slot = 1; slot <= 5; slot++) {
            CLOCK.set(at(slot));
            assertThat(context.getBean(Dispatcher.class).runOnce()).isInstanceOf(Claim.Started.class);
            awaitIdle(api, waiting);
            note(api, waiting, estimates, nextEstimates);
        }

        Map<String, Instant> started = new LinkedHashMap<>();
        for (UUID id : waiting) {
            JsonNode batches = api.get("/status/" + id).json().get("batches");
            for (int batch = 0; batch < batches.size(); batch++) {
                started.put(
                        id + "/" + batch,
                        Instant.parse(batches.get(batch).get("started_at").asString()));
            }
        }
        assertThat(started)
                .containsEntry(b + "/0", at(1))
                .containsEntry(c + "/0", at(2))
                .containsEntry(d + "/0", at(3))
                .containsEntry(b + "/1", at(4))
                .containsEntry(b + "/2", at(5));
        nextEstimates.forEach((batch, estimated) -> assertThat(estimated)
                .as("the estimates of %s while it was its ingestion's next batch", batch)
                .containsOnly(started.get(batch)));
        estimates.forEach((batch, estimated) -> assertThat(estimated)
                .as("the estimates of batch %s, which started at %s", batch, started.get(batch))
                .allSatisfy(estimate -> assertThat(estimate).isAfterOrEqualTo(started.get(batch))));
        // an upper bound, not exact: B's last batch was estimated at T7 and started at T5
        assertThat(estimates.get(b + "/2")).first().isEqualTo(at(7));
    }

    /** Notes every waiting batch's estimated_start, and apart those of each ingestion's next batch. */
    private static void note(
            ApiClient api,
            List<UUID> ingestions,
            Map<String, List<Instant>> estimates,
            Map<String, List<Instant>> nextEstimates) {
        for (UUID id : ingestions) {
            JsonNode batches = api.get("/status/" + id).json().get("batches");
            boolean next = true;
            for (int batch = 0; batch < batches.size(); batch++) {
                JsonNode estimate = batches.get(batch).get("estimated_start");
                if (estimate != null && !estimate.isNull()) {
                    Instant at = Instant.parse(estimate.asString());
                    estimates
                            .computeIfAbsent(id + "/" + batch, key -> new ArrayList<>())
                            .add(at);
                    if (next) {
                        nextEstimates
                                .computeIfAbsent(id + "/" + batch, key -> new ArrayList<>())
                                .add(at);
                        next = false;
                    }
                }
            }
        }
    }

    private static UUID accept(ApiClient api, String priority, int... ids) {
        return acceptedId(api.ingest(body(ids, priority)));
    }

    /** Until no batch of these ingestions is running: each slot's fetches land before the clock moves on. */
    private static void awaitIdle(ApiClient api, List<UUID> ingestions) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    for (UUID id : ingestions) {
                        for (JsonNode batch : api.get("/status/" + id).json().get("batches")) {
                            if ("triggered".equals(batch.get("status").asString())) {
                                return false;
                            }
                        }
                    }
                    return true;
                });
    }

    private static Instant at(int hours) {
        return T0.plus(INTERVAL.multipliedBy(hours));
    }
}
