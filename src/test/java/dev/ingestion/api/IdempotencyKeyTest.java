package dev.ingestion.api;

import static dev.ingestion.api.KeyedClient.ingestionCount;
import static dev.ingestion.api.KeyedClient.ingestionId;
import static dev.ingestion.api.KeyedClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Idempotency-Key on POST /ingest: a retry is answered as the first request was and stores nothing. */
class IdempotencyKeyTest extends ServiceOnH2 {

    static final String ALPHA = "alpha-secret-000000001";
    static final String BETA = "beta-secret-0000000002";
    static final String BODY = "{\"ids\": [5, 6, 7], \"priority\": \"MEDIUM\"}";

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        registry.add("ingest.access.api-keys", () -> "alpha:" + ALPHA + ",beta:" + BETA);
        // a status of its own, so that a replay is seen to answer with the first answer's
        registry.add("ingest.accept-status", () -> 201);
    }

    @Autowired
    DataSource dataSource;

    KeyedClient api;
    JdbcClient jdbc;

    @BeforeEach
    void connect() {
        api = new KeyedClient(port);
        jdbc = JdbcClient.create(dataSource);
    }

    HttpResponse<String> ingest(String secret, String body, String idempotencyKey) {
        return api.ingest(body, "X-API-Key", secret, "Idempotency-Key", idempotencyKey);
    }

    @Test
    void aRetryWithTheSameKeyAndBodyIsAnsweredAsTheFirstAndStoresNothing() {
        HttpResponse<String> first = ingest(ALPHA, BODY, "\"retry-1\"");
        long stored = ingestionCount(jdbc);

        HttpResponse<String> retry = ingest(ALPHA, BODY, "\"retry-1\"");
        HttpResponse<String> bare = ingest(ALPHA, BODY.replace(" ", ""), "retry-1");

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        for (HttpResponse<String> again : List.of(retry, bare)) {
            assertThat(again.statusCode()).isEqualTo(201);
            assertThat(ingestionId(again)).isEqualTo(ingestionId(first));
            assertThat(again.headers().firstValue("Location"))
                    .isEqualTo(first.headers().firstValue("Location"));
            assertThat(again.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        }
        assertThat(ingestionCount(jdbc)).isEqualTo(stored);
    }

    @Test
    void theSameKeyWithAnotherBodyIsAnswered422AndStoresNothing() {
        ingest(ALPHA, BODY, "reused-1");
        long stored = ingestionCount(jdbc);

        for (String other : List.of(
                "{\"ids\": [5, 6, 7], \"priority\": \"HIGH\"}",
                "{\"ids\": [5, 7, 6], \"priority\": \"MEDIUM\"}",
                "{\"ids\": [5, 6, 7, 8], \"priority\": \"MEDIUM\"}")) {
            HttpResponse<String> answer = ingest(ALPHA, other, "reused-1");
            assertThat(answer.statusCode()).as(other).isEqualTo(422);
            assertThat(json(answer).get("error").asString()).isEqualTo("Idempotency key reused");
        }
        assertThat(ingestionCount(jdbc)).isEqualTo(stored);
    }

    @Test
    void keysOfDifferentApiKeysNeverMeet() {
        String alphas = ingestionId(ingest(ALPHA, BODY, "shared-1"));
        String betas = ingestionId(ingest(BETA, BODY, "shared-1"));

        assertThat(betas).isNotEqualTo(alphas);
        assertThat(api.get("/status/" + betas, "X-API-Key", BETA).statusCode()).isEqualTo(200);
    }

    @Test
    void aMalformedKeyIsAnswered400AndStoresNothing() {
        long stored = ingestionCount(jdbc);
        for (String bad : List.of("", "\"\"", "x".repeat(256), "tab\tinside", "\"open", "\"a\"b\"")) {
            HttpResponse<String> answer = ingest(ALPHA, BODY, bad);
            assertThat(answer.statusCode()).as("Idempotency-Key: %s", bad).isEqualTo(400);
            assertThat(json(answer).get("details").has("Idempotency-Key")).isTrue();
        }
        HttpResponse<String> twice =
                api.ingest(BODY, "X-API-Key", ALPHA, "Idempotency-Key", "one", "Idempotency-Key", "two");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(ingestionCount(jdbc)).isEqualTo(stored);
    }

    @Test
    void requestsRacingWithOneKeyCreateOneIngestionAndEveryOtherIsAReplayOrAConflict() throws Exception {
        long stored = ingestionCount(jdbc);

        List<HttpResponse<String>> done = race(16, () -> ingest(ALPHA, BODY, "raced-1"));

        assertThat(done).extracting(HttpResponse::statusCode).isSubsetOf(201, 409);
        assertThat(done.stream()
                        .filter(answer -> answer.statusCode() == 201)
                        .map(KeyedClient::ingestionId)
                        .distinct())
                .hasSize(1);
        assertThat(done.stream().filter(answer -> answer.statusCode() == 409))
                .allSatisfy(answer ->
                        assertThat(json(answer).get("error").asString()).isEqualTo("Request in progress"));
        assertThat(ingestionCount(jdbc)).isEqualTo(stored + 1);
        assertThat(ingest(ALPHA, BODY, "raced-1").statusCode())
                .as("once committed")
                .isEqualTo(201);
    }

    @Test
    void retriesOfAStoredKeyArrivingTogetherAreAllReplaysNeverAConflict() {
        String first = ingestionId(ingest(ALPHA, BODY, "stored-then-raced"));
        long stored = ingestionCount(jdbc);

        List<HttpResponse<String>> done = race(16, () -> ingest(ALPHA, BODY, "stored-then-raced"));

        assertThat(done).extracting(HttpResponse::statusCode).containsOnly(201);
        assertThat(done).extracting(KeyedClient::ingestionId).containsOnly(first);
        assertThat(ingestionCount(jdbc)).isEqualTo(stored);
    }

    private static List<HttpResponse<String>> race(
            int clients, java.util.function.Supplier<HttpResponse<String>> send) {
        CyclicBarrier together = new CyclicBarrier(clients);
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            answers.add(CompletableFuture.supplyAsync(
                    () -> {
                        await(together);
                        return send.get();
                    },
                    java.util.concurrent.Executors.newSingleThreadExecutor()));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
