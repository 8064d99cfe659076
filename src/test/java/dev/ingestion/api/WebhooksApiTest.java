package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.webhooks.Receiver;
import dev.ingestion.webhooks.Signatures;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Completion webhooks over real HTTP, to a receiver that verifies each signature with the reference library. */
class WebhooksApiTest extends ServiceOnH2 {

    static final String SECRET = Signatures.newSecret();
    static final Receiver RECEIVER = Receiver.start(SECRET);

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("ingest.webhook.secret", () -> SECRET);
        registry.add("ingest.webhook.allow-private", () -> "true"); // the receiver listens on 127.0.0.1
        registry.add("ingest.webhook.retry-base", () -> "100ms"); // 0.1 s, 6 s, 36 s...
        registry.add("ingest.interval", () -> "200ms");
        registry.add("ingest.upstream-delay", () -> "20ms");
    }

    @AfterAll
    static void stopReceiver() {
        RECEIVER.close();
    }

    ApiClient api() {
        return new ApiClient(port);
    }

    String ingest(String path, String events, int... ids) {
        String body = "{\"ids\": " + java.util.Arrays.toString(ids) + ", \"priority\": \"HIGH\", \"callback_url\": \""
                + RECEIVER.url(path) + "\"" + (events == null ? "" : ", \"callback_events\": " + events) + "}";
        ApiClient.Reply reply = api().ingest(body);
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        return reply.json().get("ingestion_id").asString();
    }

    List<Receiver.Delivery> at(String path, int count) {
        List<Receiver.Delivery> all = RECEIVER.awaitDeliveries(path, count, Duration.ofSeconds(20));
        assertThat(all)
                .allSatisfy(delivery ->
                        assertThat(delivery.verified()).as("%s", delivery).isTrue());
        return all;
    }

    @Test
    void everyEventAskedForIsPostedSignedInOrderAndListedAsDelivered() {
        String id = ingest("/all", "[\"batch.completed\", \"ingestion.completed\"]", 1, 2, 3, 4);

        List<Receiver.Delivery> received = at("/all", 3);

        assertThat(received)
                .extracting(d -> json(d).get("type").asString())
                .containsExactly("batch.completed", "batch.completed", "ingestion.completed");
        assertThat(received)
                .extracting(d -> json(d).get("data").get("ingestion_id").asString())
                .containsOnly(id);
        assertThat(received).extracting(Receiver.Delivery::webhookId).doesNotHaveDuplicates();
        JsonNode deliveries = waitFor(id, list -> list.size() == 3 && allIn(list, "delivered"));
        for (JsonNode delivery : deliveries) {
            assertThat(delivery.get("attempts").asInt()).isEqualTo(1);
            assertThat(delivery.get("history").get(0).get("status_code").asInt())
                    .isEqualTo(200);
            assertThat(delivery.get("next_attempt_at").isNull()).isTrue();
        }
    }

    @Test
    void withoutCallbackEventsOnlyTheIngestionsCompletionIsSent() {
        String id = ingest("/default", null, 5, 6, 7, 8);

        List<Receiver.Delivery> received = at("/default", 1);

        assertThat(json(received.get(0)).get("type").asString()).isEqualTo("ingestion.completed");
        JsonNode listed = waitFor(id, list -> list.size() == 1 && allIn(list, "delivered"));
        assertThat(listed.get(0).get("type").asString()).isEqualTo("ingestion.completed");
    }

    @Test
    void aRetryAfterOnAFailedAnswerIsHonouredAndTheRetryCarriesTheSameWebhookId() {
        RECEIVER.answerNext(503, "1");
        String id = ingest("/retry-after", null, 9);

        List<Receiver.Delivery> received = at("/retry-after", 2);

        assertThat(received.get(0).answeredWith()).isEqualTo(503);
        assertThat(received.get(1).answeredWith()).isEqualTo(200);
        assertThat(received.get(1).webhookId()).isEqualTo(received.get(0).webhookId());
        assertThat(received.get(1).body()).isEqualTo(received.get(0).body());
        assertThat(Duration.between(received.get(0).arrivedAt(), received.get(1).arrivedAt()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(900)); // not the schedule's 0.1 s
        JsonNode history = waitFor(id, list -> allIn(list, "delivered")).get(0).get("history");
        assertThat(history).extracting(h -> h.get("status_code").asInt()).containsExactly(503, 200);
        assertThat(history.get(0).get("error").asString()).isEqualTo("HTTP 503");
    }

    @Test
    void aReceiverThatIsDownForAWhileGetsTheWebhookOnceItIsBack() {
        RECEIVER.down();
        String id;
        try {
            id = ingest("/down", null, 12);
            // two attempts refused (at completion and 0.1 s later); the third is due 6 s after that
            waitFor(id, list -> list.size() == 1 && list.get(0).get("attempts").asInt() == 2);
        } finally {
            RECEIVER.up();
        }

        List<Receiver.Delivery> received = at("/down", 1);

        JsonNode delivery = waitFor(id, list -> allIn(list, "delivered")).get(0);
        assertThat(delivery.get("attempts").asInt()).isEqualTo(3);
        JsonNode refused = delivery.get("history").get(0);
        assertThat(refused.get("status_code").isNull()).isTrue();
        assertThat(refused.get("error").asString()).isNotBlank();
        assertThat(json(received.get(0)).get("data").get("ingestion_id").asString())
                .isEqualTo(id);
    }

    @Test
    void aKeyRetriedWithAnotherCallbackUrlIsAnotherRequest() {
        String body = "{\"ids\": [11], \"priority\": \"LOW\", \"callback_url\": \"" + RECEIVER.url("/keyed") + "\"}";
        String other = "{\"ids\": [11], \"priority\": \"LOW\", \"callback_url\": \"" + RECEIVER.url("/other") + "\"}";

        assertThat(api().post("/ingest", "application/json", body, "Idempotency-Key", "hook-1")
                        .status())
                .isEqualTo(200);
        assertThat(api().post("/ingest", "application/json", other, "Idempotency-Key", "hook-1")
                        .status())
                .isEqualTo(422);
        assertThat(api().post("/ingest", "application/json", body, "Idempotency-Key", "hook-1")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void badCallbackFieldsAreRefusedWithTheirReasonAndStoreNothing() {
        List<String> bodies = List.of(
                "{\"ids\": [1], \"priority\": \"LOW\", \"callback_url\": \"ftp://example.com/x\"}",
                "{\"ids\": [1], \"priority\": \"LOW\", \"callback_url\": 7}",
                "{\"ids\": [1], \"priority\": \"LOW\", \"callback_events\": [\"ingestion.completed\"]}",
                "{\"ids\": [1], \"priority\": \"LOW\", \"callback_url\": \"" + RECEIVER.url("/x")
                        + "\", \"callback_events\": [\"batch.started\"]}",
                "{\"ids\": [1], \"priority\": \"LOW\", \"callback_url\": \"" + RECEIVER.url("/x")
                        + "\", \"callback_events\": []}");
        for (String body : bodies) {
            ApiClient.Reply reply = api().ingest(body);
            assertThat(reply.status()).as(body).isEqualTo(400);
            JsonNode details = reply.json().get("details");
            assertThat(details.has("callback_url") || details.has("callback_events"))
                    .as("%s", reply)
                    .isTrue();
        }
    }

    private JsonNode waitFor(String id, Predicate<JsonNode> done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode deliveries;
        do {
            ApiClient.Reply reply = api().get("/ingestions/" + id + "/deliveries");
            assertThat(reply.status()).as("%s", reply).isEqualTo(200);
            deliveries = reply.json().get("deliveries");
            if (done.test(deliveries)) {
                return deliveries;
            }
            pause();
        } while (System.nanoTime() < deadline);
        throw new AssertionError("deliveries never came to the expected state: " + deliveries);
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static boolean allIn(JsonNode deliveries, String state) {
        for (JsonNode delivery : deliveries) {
            if (!delivery.get("state").asString().equals(state)) {
                return false;
            }
        }
        return deliveries.size() > 0;
    }

    static JsonNode json(Receiver.Delivery delivery) {
        return JsonMapper.shared().readTree(delivery.body());
    }
}
