package dev.ingestion.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import com.sun.net.httpserver.HttpServer;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.IngestionApplication;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.BatchStart;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.QueueReads;
import dev.ingestion.support.TestStores;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two instances on one PostgreSQL against one HTTP upstream that throttles one slot: the whole
 * deployment waits for its Retry-After, runs at the doubled interval for ten slots, then returns
 * to the configured one, whichever instance takes each slot.
 */
class ClusterThrottleTest {

    static final Duration INTERVAL = Duration.ofMillis(100);
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    static HikariDataSource database;
    static HttpServer upstream;
    static final AtomicInteger calls = new AtomicInteger();
    static final List<ConfigurableApplicationContext> instances = new ArrayList<>();

    @BeforeAll
    static void startTwoInstancesAndAnUpstreamThatThrottlesItsSecondSlot() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/items/", exchange -> {
            int call = calls.incrementAndGet();
            byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            if (call >= 4 && call <= 6) { // the three calls of the second slot
                exchange.getResponseHeaders().add("Retry-After", Long.toString(RETRY_AFTER.toSeconds()));
                exchange.sendResponseHeaders(429, -1);
            } else {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        upstream.start();
        database = TestStores.postgres();
        for (int i = 0; i < 2; i++) {
            instances.add(new SpringApplicationBuilder(IngestionApplication.class)
                    .run(
                            "--server.port=0",
                            "--ingest.db-url=" + database.getJdbcUrl(),
                            "--ingest.db-user=postgres",
                            "--ingest.interval=" + INTERVAL.toMillis() + "ms",
                            "--ingest.retry-backoff=100ms",
                            "--ingest.upstream.url=http://127.0.0.1:"
                                    + upstream.getAddress().getPort() + "/items/{id}"));
        }
    }

    @AfterAll
    static void stop() {
        instances.forEach(ConfigurableApplicationContext::close);
        database.close();
        upstream.stop(0);
    }

    @Test
    void everyInstanceWaitsForTheRetryAfterRunsAtTheDoubledIntervalForTenSlotsThenRecovers() throws Exception {
        UUID id = ingest(instances.get(0), IntStream.rangeClosed(1, 60).toArray());
        QueueReads reads = new QueueReads(database);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    IngestionRow row = reads.findIngestion(id).orElseThrow();
                    return row.completedBatches() == row.batchCount();
                });

        List<BatchStart> starts = reads.starts();
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < starts.size(); i++) {
            gaps.add(Duration.between(
                    starts.get(i - 1).startedAt(), starts.get(i).startedAt()));
        }
        // start 1 was throttled: start 2 (its retry, first in the order) waits for the Retry-After
        assertThat(starts.get(2).attempt())
                .as("the throttled batch's second start")
                .isEqualTo(2);
        assertThat(gaps.get(1)).as("gap after the throttled slot").isGreaterThanOrEqualTo(RETRY_AFTER);
        for (int i = 2; i < 11; i++) {
            assertThat(gaps.get(i))
                    .as("gap %d, at the doubled interval", i)
                    .isGreaterThanOrEqualTo(INTERVAL.multipliedBy(2));
        }
        assertThat(gaps.subList(11, gaps.size()))
                .allSatisfy(gap -> assertThat(gap).isGreaterThanOrEqualTo(INTERVAL));
        assertThat(gaps.subList(12, gaps.size()))
                .as("back at the configured interval")
                .anySatisfy(gap -> assertThat(gap).isLessThan(INTERVAL.multipliedBy(2)));
        assertThat(reads.rateLimiter(new RateLimit(INTERVAL, Duration.ofMinutes(2)))
                        .interval())
                .isEqualTo(INTERVAL);
        assertThat(starts.stream().map(BatchStart::owner).distinct().count())
                .as("slots taken by both instances")
                .isEqualTo(2);
    }

    static UUID ingest(ConfigurableApplicationContext instance, int[] ids) throws Exception {
        int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
        String body = "{\"ids\": " + java.util.Arrays.toString(ids) + ", \"priority\": \"HIGH\"}";
        HttpResponse<String> answer = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return UUID.fromString(
                JsonMapper.shared().readTree(answer.body()).get("ingestion_id").asString());
    }
}
