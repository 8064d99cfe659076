package dev.ingestion.api;

import static dev.ingestion.api.StatusWaits.startedAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
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
 * The whole service in real time at a short interval, over HTTP, on the real clock. Timing
 * assertions allow for a loaded 2-core machine; exact timing is the fake-clock tests' job.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class RealTimeSchedulingTest {

    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** How late a start may come after its slot here; the benchmark measures the real figure. */
    static final Duration TOLERANCE = Duration.ofMillis(250);

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("ingest.db-url", () -> TestStores.h2Url(folder));
        registry.add("ingest.interval", () -> "1");
        registry.add("ingest.upstream-delay", () -> "100ms");
    }

    @LocalServerPort
    int port;

    ApiClient api;

    @BeforeEach
    void setUp() {
        api = new ApiClient(port);
        awaitIdle();
    }

    @Test
    void theWorkedExampleOfTheSpecHoldsInRealTime() throws InterruptedException {
        Instant t0 = Instant.now();
        String a = ingest("{\"ids\": [1, 2, 3, 4, 5], \"priority\": \"MEDIUM\"}");
        sleepUntil(t0.plus(INTERVAL.multipliedBy(4).dividedBy(5))); // B arrives at T4 of the 5-unit example
        String b = ingest("{\"ids\": [6, 7, 8, 9], \"priority\": \"HIGH\"}");

        JsonNode statusA = awaitCompleted(a);
        JsonNode statusB = awaitCompleted(b);
        Instant a0 = startedAt(statusA, 0);
        Instant b0 = startedAt(statusB, 0);
        Instant b1 = startedAt(statusB, 1);
        Instant a1 = startedAt(statusA, 1);

        assertThat(a0).as("an idle service starts the first batch at once").isBetween(t0, t0.plus(TOLERANCE));
        assertStartsOneIntervalApart(a0, b0);
        assertStartsOneIntervalApart(b0, b1);
        assertStartsOneIntervalApart(b1, a1);
        assertThat(statusA.get("batches").get(1).get("ids").toString()).isEqualTo("[4,5]");

        String metrics = api.get("/metrics").body();
        assertThat(metrics)
                .contains(
                        "ingest_batch_starts_total{run=\"first\"}",
                        "ingest_start_lateness_seconds",
                        "ingest_claim_seconds",
                        "ingest_records_stored_total");
    }

    @Test
    void sixtyConcurrentIngestsAllSucceedAndAreAllKnown() throws Exception {
        int clients = 60;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch ready = new CountDownLatch(clients);
        try {
            List<CompletableFuture<ApiClient.Reply>> replies = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int id = i + 1;
                replies.add(CompletableFuture.supplyAsync(
                        () -> {
                            ready.countDown();
                            awaitQuietly(ready);
                            return api.ingest("{\"ids\": [" + id + "], \"priority\": \"LOW\"}");
                        },
                        pool));
            }
            Set<String> ingestionIds = new HashSet<>();
            for (CompletableFuture<ApiClient.Reply> reply : replies) {
                ApiClient.Reply answer = reply.get(30, TimeUnit.SECONDS);
                assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
                ingestionIds.add(answer.json().get("ingestion_id").asString());
            }
            assertThat(ingestionIds).hasSize(clients);
            for (String id : ingestionIds) {
                assertThat(api.get("/status/" + id).status()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void assertStartsOneIntervalApart(Instant earlier, Instant later) {
        assertThat(Duration.between(earlier, later))
                .as("gap between starts %s and %s", earlier, later)
                .isGreaterThanOrEqualTo(INTERVAL)
                .isLessThanOrEqualTo(INTERVAL.plus(TOLERANCE));
    }

    private String ingest(String body) {
        ApiClient.Reply reply = api.ingest(body);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return reply.json().get("ingestion_id").asString();
    }

    private JsonNode awaitCompleted(String id) {
        JsonNode[] status = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    status[0] = api.get("/status/" + id).json();
                    return "completed".equals(status[0].get("status").asString());
                });
        return status[0];
    }

    /** Lets a previous test's starts run out, so that each test begins on an open slot. */
    private void awaitIdle() {
        // the limiter's slot is open one interval after the last start; nothing here waits longer
        try {
            Thread.sleep(INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepUntil(Instant moment) throws InterruptedException {
        long millis = Duration.between(Instant.now(), moment).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }
}
