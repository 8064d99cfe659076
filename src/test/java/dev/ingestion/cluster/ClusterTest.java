package dev.ingestion.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.IngestionApplication;
import dev.ingestion.store.BatchStart;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.QueueReads;
import dev.ingestion.support.TestStores;
import tools.jackson.databind.json.JsonMapper;

/**
 * Three instances, each its own application context and connection pool, on one PostgreSQL.
 * Ingestions of mixed priorities go one after another to random instances while the queue runs;
 * the start log in the database is then checked against the spec's rules.
 */
class ClusterTest {

    static final Duration INTERVAL = Duration.ofMillis(300);
    /** How late a start may come after its slot on a loaded 2-core machine; the benchmark measures it. */
    static final Duration TOLERANCE = Duration.ofMillis(250);

    static final List<String> PRIORITIES = List.of("HIGH", "MEDIUM", "LOW");

    static HikariDataSource database;
    static final List<ConfigurableApplicationContext> instances = new ArrayList<>();
    static final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    record Sent(UUID id, int[] ids, Instant answeredAt) {}

    @BeforeAll
    static void startThreeInstances() {
        database = TestStores.postgres();
        for (int i = 0; i < 3; i++) {
            // command-line arguments, since they outrank application.properties
            instances.add(new SpringApplicationBuilder(IngestionApplication.class)
                    .run(
                            "--server.port=0",
                            "--ingest.db-url=" + database.getJdbcUrl(),
                            "--ingest.db-user=postgres",
                            "--ingest.interval=" + INTERVAL.toMillis() + "ms",
                            "--ingest.upstream-delay=50ms"));
        }
    }

    @AfterAll
    static void stop() {
        instances.forEach(ConfigurableApplicationContext::close);
        database.close();
    }

    @Test
    void threeInstancesShareOneRateLimitAndOneOrderAndFetchEveryIdOnce() throws Exception {
        Random random = new Random(42);
        List<Sent> sent = new ArrayList<>();
        int nextId = 1;
        for (int i = 0; i < 30; i++) {
            int[] ids = IntStream.range(nextId, nextId + 1 + random.nextInt(5)).toArray();
            nextId += ids.length;
            String priority = PRIORITIES.get(random.nextInt(3));
            sent.add(ingest(instances.get(random.nextInt(3)), ids, priority));
            Thread.sleep(random.nextInt(120)); // arrivals spread over the run, some while the queue is busy
        }

        QueueReads reads = new QueueReads(database);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> sent.stream().allMatch(s -> {
                    IngestionRow row = reads.findIngestion(s.id()).orElseThrow();
                    return row.completedBatches() == row.batchCount();
                }));

        Map<UUID, IngestionRow> rows = sent.stream()
                .collect(Collectors.toMap(
                        Sent::id, s -> reads.findIngestion(s.id()).orElseThrow()));
        Map<UUID, Instant> answeredAt = sent.stream().collect(Collectors.toMap(Sent::id, Sent::answeredAt));
        List<BatchStart> starts = reads.starts();
        int batches = rows.values().stream().mapToInt(IngestionRow::batchCount).sum();

        // every batch started exactly once, so every id was fetched exactly once
        assertThat(starts).hasSize(batches);
        assertThat(starts).allSatisfy(start -> assertThat(start.attempt()).isEqualTo(1));
        assertThat(starts.stream().map(s -> s.ingestionId() + "#" + s.index()).distinct())
                .hasSize(batches);
        for (Sent s : sent) {
            assertThat(reads.records(s.id(), 0, s.ids().length))
                    .as("records of %s", s.id())
                    .hasSize(s.ids().length);
        }
        assertThat(starts.stream().map(BatchStart::owner).distinct().count())
                .as("starts spread over the instances")
                .isGreaterThan(1);

        Comparator<BatchStart> specOrder = Comparator.comparing(
                        (BatchStart s) -> rows.get(s.ingestionId()).priority())
                .thenComparingLong(s -> rows.get(s.ingestionId()).seq())
                .thenComparingInt(BatchStart::index);
        List<Long> lateness = new ArrayList<>();
        for (int i = 0; i < starts.size(); i++) {
            BatchStart start = starts.get(i);
            List<BatchStart> later = starts.subList(i + 1, starts.size());
            // order: nothing that was already waiting when this batch started comes before it
            for (BatchStart other : later) {
                if (answeredAt.get(other.ingestionId()).isBefore(start.startedAt())) {
                    assertThat(specOrder.compare(start, other))
                            .as("%s started before %s, which was waiting and comes first", start, other)
                            .isLessThan(0);
                }
            }
            if (i + 1 < starts.size()) {
                BatchStart next = starts.get(i + 1);
                Duration gap = Duration.between(start.startedAt(), next.startedAt());
                assertThat(gap).as("gap after %s", start).isGreaterThanOrEqualTo(INTERVAL);
                // no wasted slot: the next start comes at its slot, or as soon as work waits
                Instant workWaiting = later.stream()
                        .map(s -> answeredAt.get(s.ingestionId()))
                        .min(Comparator.naturalOrder())
                        .orElseThrow();
                Instant slot = start.startedAt().plus(INTERVAL);
                Instant due = slot.isAfter(workWaiting) ? slot : workWaiting;
                Duration late = Duration.between(due, next.startedAt());
                lateness.add(late.toMillis());
                assertThat(late).as("start of %s after its slot %s", next, due).isLessThanOrEqualTo(TOLERANCE);
            }
        }
        List<Long> sorted = lateness.stream().sorted().toList();
        System.out.printf(
                "cluster: %d starts over 3 instances, lateness after slot p50 %d ms, max %d ms%n",
                starts.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
    }

    private static Sent ingest(ConfigurableApplicationContext instance, int[] ids, String priority) throws Exception {
        int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
        String body = "{\"ids\": " + java.util.Arrays.toString(ids) + ", \"priority\": \"" + priority + "\"}";
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Instant answered = Instant.now();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UUID id = UUID.fromString(JsonMapper.shared()
                .readTree(response.body())
                .get("ingestion_id")
                .asString());
        return new Sent(id, ids, answered);
    }
}
