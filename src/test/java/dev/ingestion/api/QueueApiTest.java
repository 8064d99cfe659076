package dev.ingestion.api;

import static dev.ingestion.api.KeyedClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;

/** GET /queue and the operator's pause and resume, over HTTP with keys on. */
class QueueApiTest extends ServiceOnH2 {

    static final String TEAM = "team-secret-00000000001";
    static final String OPS = "ops-secret-000000000002";

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        registry.add("ingest.access.api-keys", () -> "team:" + TEAM + ",ops:" + OPS + ":admin");
    }

    KeyedClient api;

    @BeforeEach
    void connect() {
        api = new KeyedClient(port);
    }

    @AfterEach
    void resume() throws Exception {
        post("/queue/resume", OPS);
    }

    HttpResponse<String> post(String path, String secret) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (secret != null) {
            request.header("X-API-Key", secret);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode queue() {
        HttpResponse<String> answer = api.get("/queue", "X-API-Key", TEAM);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return json(answer);
    }

    /** Gauges share one read of the totals for a second: the new value shows within two. */
    void awaitMetric(String line, double value) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(metric(line)).as(line).isEqualTo(value));
    }

    double metric(String line) {
        return api.get("/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith(line + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElseThrow(() -> new AssertionError(line + " is not in /metrics"));
    }

    @Test
    void pausingAndResumingAreAnAdminKeysActionsAndEveryKeySeesTheirEffect() throws Exception {
        assertThat(post("/queue/pause", null).statusCode()).isEqualTo(401);
        HttpResponse<String> refused = post("/queue/pause", TEAM);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).get("error").asString()).isEqualTo("Forbidden");
        assertThat(queue().get("paused").asBoolean()).isFalse();

        HttpResponse<String> paused = post("/queue/pause", OPS);

        assertThat(paused.statusCode()).isEqualTo(200);
        assertThat(json(paused).get("paused").asBoolean()).isTrue();
        JsonNode queue = queue();
        assertThat(queue.get("paused").asBoolean()).isTrue();
        assertThat(queue.get("next_slot").isNull())
                .as("no slot opens while paused")
                .isTrue();
        awaitMetric("ingest_dispatch_paused", 1.0);

        assertThat(json(post("/queue/resume", OPS)).get("paused").asBoolean()).isFalse();
        assertThat(queue().get("paused").asBoolean()).isFalse();
        awaitMetric("ingest_dispatch_paused", 0.0);
    }

    @Test
    void whilePausedIngestGoesOnAndTheQueueCountsWhatWaitsPerPriority() throws Exception {
        post("/queue/pause", OPS);
        JsonNode before = queue();
        long waitingLow = before.at("/waiting/LOW/ids").asLong();

        HttpResponse<String> accepted =
                api.ingest("{\"ids\": [1, 2, 3, 4, 5, 6, 7], \"priority\": \"LOW\"}", "X-API-Key", TEAM);

        assertThat(accepted.statusCode()).isEqualTo(200);
        JsonNode queue = queue();
        assertThat(queue.at("/waiting/LOW/ids").asLong()).isEqualTo(waitingLow + 7);
        assertThat(queue.at("/waiting/HIGH")).as("other priorities unchanged").isEqualTo(before.at("/waiting/HIGH"));
        assertThat(queue.get("interval_ms").asLong()).isEqualTo(5000);
        assertThat(queue.get("configured_interval_ms").asLong()).isEqualTo(5000);
        assertThat(queue.at("/starts/last_hour").isNumber()).isTrue();
        assertThat(queue.at("/failed_ids/last_minute").asLong()).isZero();
        awaitMetric("ingest_queue_waiting_ids{priority=\"LOW\"}", waitingLow + 7.0);
        assertThat(json(api.get("/status/" + KeyedClient.ingestionId(accepted), "X-API-Key", TEAM))
                        .get("status")
                        .asString())
                .as("nothing started")
                .isEqualTo("yet_to_start");
    }

    @Test
    void theListShowsAKeyItsOwnIngestionsNewestFirstAPageAtATimeAndAnAdminEveryOne() throws Exception {
        post("/queue/pause", OPS); // nothing moves while the pages are read
        List<String> teams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            teams.add(
                    0,
                    KeyedClient.ingestionId(
                            api.ingest("{\"ids\": [1, 2, 3, 4], \"priority\": \"HIGH\"}", "X-API-Key", TEAM)));
        }
        String ops = KeyedClient.ingestionId(api.ingest("{\"ids\": [9], \"priority\": \"LOW\"}", "X-API-Key", OPS));

        JsonNode first = json(api.get("/ingestions?limit=2", "X-API-Key", TEAM));
        JsonNode second =
                json(api.get("/ingestions?limit=2&after=" + first.get("next").asString(), "X-API-Key", TEAM));

        List<String> seen = new ArrayList<>();
        first.get("ingestions")
                .forEach(item -> seen.add(item.get("ingestion_id").asString()));
        second.get("ingestions")
                .forEach(item -> seen.add(item.get("ingestion_id").asString()));
        assertThat(seen).containsExactlyElementsOf(teams);
        assertThat(second.get("next").isNull()).isTrue();
        JsonNode item = first.get("ingestions").get(0);
        assertThat(item.get("priority").asString()).isEqualTo("HIGH");
        assertThat(item.get("status").asString()).isEqualTo("yet_to_start");
        assertThat(item.get("ids").asInt()).isEqualTo(4);
        assertThat(item.get("batches").toString())
                .isEqualTo("{\"total\":2,\"yet_to_start\":2,\"triggered\":0,\"completed\":0}");
        assertThat(item.get("failed_ids").asLong()).isZero();
        assertThat(item.get("estimated_completion").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

        JsonNode admins = json(api.get("/ingestions?priority=LOW&status=yet_to_start", "X-API-Key", OPS));
        assertThat(admins.get("ingestions").get(0).get("ingestion_id").asString())
                .isEqualTo(ops);
    }

    @Test
    void aBadFilterOrCursorIsAnswered400() {
        for (String query : List.of(
                "status=done", "priority=URGENT", "limit=0", "limit=201", "limit=x", "after=!!!", "after=eDEy")) {
            HttpResponse<String> answer = api.get("/ingestions?" + query, "X-API-Key", TEAM);
            assertThat(answer.statusCode()).as(query).isEqualTo(400);
            assertThat(json(answer).get("error").asString()).isEqualTo("Invalid input");
        }
    }
}
