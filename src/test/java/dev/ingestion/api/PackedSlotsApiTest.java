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
 * {@code GET /status} with slot packing on, on a frozen clock and an interval of an hour: the test
 * moves the clock to each slot and runs the dispatcher's step itself, so every time is exact.
 * Estimates count batches as if each took a slot of its own, so with packing they are upper bounds
 * of the real starts (when nothing of higher priority arrives).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class PackedSlotsApiTest {

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
        registry.add("ingest.packing", () -> "true");
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

    @org.springframework.beans.factory.annotation.Autowired
    ApplicationContext context;

    @Test
    void packedBatchesShareTheirStartAndEveryEstimateIsAnUpperBoundOfTheRealStart() {
        ApiClient api = new ApiClient(port);
        UUID a = accept(api, "LOW", 1);
        StatusWaits.awaitCompleted(api, a.toString(), null); // the loop started it at once, at T0; the next slot is T1
        UUID b = accept(api, "MEDIUM", 2);
        UUID c = accept(api, "MEDIUM", 3);
        UUID d = accept(api, "MEDIUM", 4, 5, 6, 7);
        UUID e = accept(api, "MEDIUM", 8);
        List<UUID> waiting = List.of(b, c, d, e);

        Map<String, List<Instant>> estimates = new LinkedHashMap<>();
        noteEstimates(api, waiting, estimates);
        assertThat(estimates.get(b + "/0")).containsExactly(at(1));
        assertThat(estimates.get(e + "/0")).containsExactly(at(5));

        // T1: [2] and [3] share the slot; [4, 5, 6] does not fit and stops the packing
        // (each slot's fetches are awaited before the clock moves an hour on, past their lease)
        assertThat(slotAt(1)).containsExactly(List.of(2), List.of(3));
        List.of(b, c).forEach(id -> StatusWaits.awaitCompleted(api, id.toString(), null));
        noteEstimates(api, waiting, estimates);
        assertThat(slotAt(2)).containsExactly(List.of(4, 5, 6));
        awaitCompleted(api, d, 0);
        noteEstimates(api, waiting, estimates);
        assertThat(slotAt(3)).containsExactly(List.of(7), List.of(8));
        waiting.forEach(id -> StatusWaits.awaitCompleted(api, id.toString(), null));

        Map<String, Instant> started = new LinkedHashMap<>();
        for (UUID id : waiting) {
            JsonNode batches = api.get("/status/" + id).json().get("batches");
            for (int batch = 0; batch < batches.size(); batch++) {
                started.put(
                        id + "/" + batch,
                        Instant.parse(batches.get(batch).get("started_at").asString()));
            }
        }
        assertThat(started.get(b + "/0")).isEqualTo(at(1)).isEqualTo(started.get(c + "/0"));
        assertThat(started.get(d + "/0")).isEqualTo(at(2));
        assertThat(started.get(d + "/1")).isEqualTo(at(3)).isEqualTo(started.get(e + "/0"));
        estimates.forEach((batch, estimated) -> assertThat(estimated)
                .as("the estimates of batch %s, which started at %s", batch, started.get(batch))
                .allSatisfy(estimate -> assertThat(estimate).isAfterOrEqualTo(started.get(batch))));
        // an upper bound, not exact: E was estimated at T5 and started at T3
        assertThat(estimates.get(e + "/0")).first().isEqualTo(at(5));
    }

    private List<List<Integer>> slotAt(int hours) {
        CLOCK.set(at(hours));
        Claim claim = context.getBean(Dispatcher.class).runOnce();
        assertThat(claim).isInstanceOf(Claim.Started.class);
        List<List<Integer>> slot = new ArrayList<>();
        ((Claim.Started) claim)
                .batches()
                .forEach(batch ->
                        slot.add(batch.toFetch().stream().map(item -> item.id()).toList()));
        return slot;
    }

    /** Adds each waiting batch's estimated_start, keyed "ingestion/batch index". */
    private static void noteEstimates(ApiClient api, List<UUID> ingestions, Map<String, List<Instant>> estimates) {
        for (UUID id : ingestions) {
            JsonNode batches = api.get("/status/" + id).json().get("batches");
            for (int batch = 0; batch < batches.size(); batch++) {
                JsonNode estimate = batches.get(batch).get("estimated_start");
                if (estimate != null && !estimate.isNull()) {
                    estimates
                            .computeIfAbsent(id + "/" + batch, key -> new ArrayList<>())
                            .add(Instant.parse(estimate.asString()));
                }
            }
        }
    }

    private static UUID accept(ApiClient api, String priority, int... ids) {
        return acceptedId(api.ingest(body(ids, priority)));
    }

    private static void awaitCompleted(ApiClient api, UUID id, int batch) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> "completed"
                        .equals(api.get("/status/" + id)
                                .json()
                                .get("batches")
                                .get(batch)
                                .get("status")
                                .asString()));
    }

    private static Instant at(int hours) {
        return T0.plus(INTERVAL.multipliedBy(hours));
    }
}
