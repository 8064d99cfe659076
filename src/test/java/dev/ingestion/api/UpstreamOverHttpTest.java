package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;

/**
 * The service against a real HTTP upstream (a stub on 127.0.0.1): the URL template, the secret
 * header, a 429 that holds the deployment's next slot and stretches the interval, a 404 that
 * fails its id for good, and the records as the upstream sent them.
 */
class UpstreamOverHttpTest extends ServiceOnH2 {

    record Call(long atNanos, String path, String authorization) {}

    static final List<Call> CALLS = new CopyOnWriteArrayList<>();
    static final AtomicInteger THROTTLES_LEFT = new AtomicInteger(1);
    static HttpServer stub;

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) throws IOException {
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/items/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            CALLS.add(new Call(
                    System.nanoTime(), path, exchange.getRequestHeaders().getFirst("Authorization")));
            int id = Integer.parseInt(path.substring("/items/".length()));
            byte[] body;
            int status;
            if (id == 404) {
                status = 404;
                body = "{\"error\":\"no such item\"}".getBytes(StandardCharsets.UTF_8);
            } else if (THROTTLES_LEFT.getAndDecrement() > 0) {
                status = 429;
                exchange.getResponseHeaders().add("Retry-After", "1");
                body = new byte[0];
            } else {
                status = 200;
                body = ("{\"item\":" + id + ",\"name\":\"item " + id + "\"}").getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        stub.start();
        registry.add(
                "ingest.upstream.url",
                () -> "http://127.0.0.1:" + stub.getAddress().getPort() + "/items/{id}");
        registry.add("ingest.upstream.headers", () -> "Authorization: Bearer s3cret");
        registry.add("ingest.interval", () -> "100ms");
        registry.add("ingest.retry-backoff", () -> "100ms");
    }

    @AfterAll
    static void stopStub() {
        stub.stop(0);
    }

    @Test
    void aThrottledCallHoldsTheNextSlotUntilRetryAfterAndTheRecordsAreTheUpstreamsAnswers() {
        ApiClient api = new ApiClient(port);
        UUID id = ApiAnswers.acceptedId(api.ingest("{\"ids\": [7, 404, 8], \"priority\": \"HIGH\"}"));

        JsonNode status = await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> api.get("/status/" + id).json(),
                        s -> s.get("status").asString().equals("completed"));

        assertThat(status.get("batches").get(0).get("failed_ids").toString()).isEqualTo("[404]");
        JsonNode records = api.get("/ingestions/" + id + "/records").json().get("records");
        assertThat(records.get(0).get("data").toString()).isEqualTo("{\"item\":7,\"name\":\"item 7\"}");
        assertThat(records.get(1).get("error").get("status").asInt()).isEqualTo(404);
        assertThat(records.get(2).get("data").toString()).isEqualTo("{\"item\":8,\"name\":\"item 8\"}");
        assertThat(CALLS).allSatisfy(call -> assertThat(call.authorization()).isEqualTo("Bearer s3cret"));

        // the one throttled call's Retry-After (1 s) held the next slot of the deployment
        long firstSlot = CALLS.get(0).atNanos();
        long retry = CALLS.get(CALLS.size() - 1).atNanos();
        assertThat(Duration.ofNanos(retry - firstSlot)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        String metrics = api.get("/metrics").body();
        assertThat(metrics).contains("ingest_effective_interval_seconds 0.2");
        assertThat(metrics).contains("ingest_upstream_calls_seconds_count{outcome=\"throttled\"} 1");
        assertThat(metrics).doesNotContain("s3cret");
    }
}
