package dev.ingestion.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A batch waiting for its retry when its process is killed with SIGKILL: after the restart it
 * still waits for its time (the wait is in the store, not in the dead process), then runs.
 */
class RetryAcrossKillIT {

    private static final Duration BACKOFF = Duration.ofSeconds(8);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    final ServiceProcess.Children children = new ServiceProcess.Children();

    @TempDir
    Path folder;

    @Test
    void aBatchWaitingForItsRetryWhenKilledStillWaitsForItsTimeAfterTheRestartThenIsFetched() throws Exception {
        String[] settings = {"INGEST_INTERVAL", "200ms", "INGEST_UPSTREAM_DELAY", "100ms", "INGEST_RETRY_BACKOFF", "8s"
        };
        Map<String, String> failing =
                ServiceProcess.Children.env(folder, append(settings, "INGEST_UPSTREAM_FAILURE_RATE", "1"));
        ServiceProcess first = children.start("first", folder, failing);
        String id = json(send(
                        first,
                        HttpRequest.newBuilder(first.uri("/ingest"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"ids\": [1, 2, 3], \"priority\": \"HIGH\"}"))))
                .get("ingestion_id")
                .asString();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> send(first, HttpRequest.newBuilder(first.uri("/metrics")))
                        .body()
                        .contains("ingest_batches_waiting_retry 1.0"));
        first.kill();

        ServiceProcess second = children.start("second", folder, ServiceProcess.Children.env(folder, settings));
        JsonNode batch = status(second, id).get("batches").get(0);
        Instant firstStart = Instant.parse(batch.get("started_at").asString());
        assertThat(batch.get("status").asString()).isEqualTo("triggered");

        await().atMost(Duration.ofSeconds(30))
                .until(() -> status(second, id).get("status").asString().equals("completed"));
        JsonNode records = json(send(second, HttpRequest.newBuilder(second.uri("/ingestions/" + id + "/records"))))
                .get("records");
        for (JsonNode record : records) {
            assertThat(record.get("state").asString()).isEqualTo("fetched");
            assertThat(Duration.between(
                            firstStart, Instant.parse(record.get("fetched_at").asString())))
                    .as("fetched no sooner than the back-off after the failed attempt")
                    .isGreaterThanOrEqualTo(BACKOFF);
        }
    }

    private static String[] append(String[] pairs, String... more) {
        String[] all = java.util.Arrays.copyOf(pairs, pairs.length + more.length);
        System.arraycopy(more, 0, all, pairs.length, more.length);
        return all;
    }

    private JsonNode status(ServiceProcess service, String id) throws IOException, InterruptedException {
        return json(send(service, HttpRequest.newBuilder(service.uri("/status/" + id))));
    }

    private HttpResponse<String> send(ServiceProcess service, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        HttpResponse<String> answer =
                http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode())
                .as("%s: %s", answer.uri(), answer.body())
                .isEqualTo(200);
        return answer;
    }

    private static JsonNode json(HttpResponse<String> answer) {
        return JsonMapper.shared().readTree(answer.body());
    }
}
