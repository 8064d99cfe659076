package dev.ingestion.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.ingestion.webhooks.Receiver;
import dev.ingestion.webhooks.Signatures;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Push survives SIGKILL: the packaged service killed while a webhook's attempt is under way sends
 * it again after the restart (the outbox is in the store, the attempt was never recorded), and an
 * ingestion's event stream resumed with {@code Last-Event-ID} on the restarted process gives what
 * was missed and nothing twice.
 */
class WebhooksAcrossKillIT {

    private static final String SECRET = Signatures.newSecret();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Receiver receiver = Receiver.start(SECRET);

    @RegisterExtension
    final ServiceProcess.Children children = new ServiceProcess.Children();

    @TempDir
    Path folder;

    @AfterEach
    void stopReceiver() {
        receiver.close();
    }

    private Map<String, String> env(String interval) {
        return ServiceProcess.Children.env(
                folder,
                "INGEST_INTERVAL",
                interval,
                "INGEST_UPSTREAM_DELAY",
                "20ms",
                "INGEST_WEBHOOK_SECRET",
                SECRET,
                "INGEST_WEBHOOK_ALLOW_PRIVATE",
                "true");
    }

    @Test
    void aWebhookWhoseAttemptWasCutShortBySigkillIsDeliveredAfterTheRestartWithTheSameId() throws Exception {
        receiver.answerNextAfter(Duration.ofSeconds(60), 200); // the first attempt hangs until the kill
        ServiceProcess first = children.start("first", folder, env("200ms"));
        String id = ingest(
                first,
                "{\"ids\": [1, 2], \"priority\": \"HIGH\", \"callback_url\": \"" + receiver.url("/hooks") + "\"}");
        String cutShort = receiver.awaitArrivals(1, Duration.ofSeconds(20)).get(0);
        first.kill();

        ServiceProcess second = children.start("second", folder, env("200ms"));
        Receiver.Delivery delivered =
                receiver.awaitDeliveries(1, Duration.ofSeconds(20)).get(0);

        assertThat(receiver.awaitArrivals(2, Duration.ZERO)).containsExactly(cutShort, cutShort);
        assertThat(delivered.webhookId()).isEqualTo(cutShort);
        assertThat(delivered.verified()).as("%s", delivered).isTrue();
        assertThat(delivered.answeredWith()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode delivery = get(second, "/ingestions/" + id + "/deliveries")
                    .get("deliveries")
                    .get(0);
            assertThat(delivery.get("state").asString()).isEqualTo("delivered");
            assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
        });
    }

    @Test
    void anEventStreamResumedWithLastEventIdOnTheRestartedServiceMissesNothingAndRepeatsNothing() throws Exception {
        ServiceProcess first = children.start("first", folder, env("1s"));
        String id = ingest(first, "{\"ids\": [1, 2, 3, 4, 5, 6, 7, 8, 9], \"priority\": \"LOW\"}");
        List<Integer> seen = new ArrayList<>();
        try (Stream<String> lines = stream(first, id, null)) {
            Iterator<String> it = lines.iterator();
            while (seen.size() < 3 && it.hasNext()) {
                String line = it.next();
                if (line.startsWith("id:")) {
                    seen.add(Integer.parseInt(line.substring(3).strip()));
                }
            }
        }
        first.kill();

        ServiceProcess second = children.start("second", folder, env("1s"));
        List<Integer> resumed = new ArrayList<>();
        String lastEvent = null;
        try (Stream<String> lines = stream(second, id, seen.get(seen.size() - 1))) {
            String name = null;
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.startsWith("id:")) {
                    resumed.add(Integer.parseInt(line.substring(3).strip()));
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.isEmpty() && name != null) {
                    lastEvent = name;
                }
            }
        }

        assertThat(seen).containsExactly(1, 2, 3);
        assertThat(resumed).isNotEmpty();
        assertThat(resumed.get(0)).isEqualTo(4);
        for (int i = 1; i < resumed.size(); i++) {
            assertThat(resumed.get(i)).as("event after %s", resumed.get(i - 1)).isEqualTo(resumed.get(i - 1) + 1);
        }
        assertThat(lastEvent).isEqualTo("ingestion.completed");
    }

    private Stream<String> stream(ServiceProcess service, String id, Integer lastEventId)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(service.uri("/status/" + id + "/events"));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId.toString());
        }
        HttpResponse<Stream<String>> response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private String ingest(ServiceProcess service, String body) throws IOException, InterruptedException {
        HttpResponse<String> answer = http.send(
                HttpRequest.newBuilder(service.uri("/ingest"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JsonMapper.shared().readTree(answer.body()).get("ingestion_id").asString();
    }

    private JsonNode get(ServiceProcess service, String path) throws IOException, InterruptedException {
        HttpResponse<String> answer =
                http.send(HttpRequest.newBuilder(service.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JsonMapper.shared().readTree(answer.body());
    }
}
