package dev.ingestion.api;

import static dev.ingestion.api.KeyedClient.ingestionCount;
import static dev.ingestion.api.KeyedClient.ingestionId;
import static dev.ingestion.api.KeyedClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.zaxxer.hikari.HikariDataSource;

import tools.jackson.databind.JsonNode;

/** A deployment with API keys: who may do what, and what shows of the keys. */
@ExtendWith(OutputCaptureExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApiKeysTest extends ServiceOnH2 {

    static final String ALPHA = "alpha-secret-000000001";
    static final String BETA = "beta-secret-0000000002";
    static final String OPS = "ops-secret-00000000003";
    static final String FILED = "filed-secret-000000004";
    static final int CAP = 1000;

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        registry.add("ingest.access.api-keys", () -> "alpha:" + ALPHA + ", beta:" + BETA + ",ops:" + OPS + ":admin");
        registry.add("ingest.access.api-keys-file", ApiKeysTest::keyFile);
        registry.add("ingest.access.max-waiting-ids-per-key", () -> CAP);
    }

    /** A mounted secret, as an orchestrator writes one: a comment, blank lines, one pair. */
    static String keyFile() {
        try {
            Path file = folder.resolve("api-keys");
            Files.writeString(file, "# team keys\n\nfiled:" + FILED + "\n");
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Autowired
    HikariDataSource dataSource;

    KeyedClient api;
    JdbcClient jdbc;

    @BeforeEach
    void connect() {
        api = new KeyedClient(port);
        jdbc = JdbcClient.create((DataSource) dataSource);
    }

    static String[] bearer(String secret) {
        return new String[] {"Authorization", "Bearer " + secret};
    }

    static final String BODY = "{\"ids\": [1, 2, 3, 4], \"priority\": \"HIGH\"}";

    @Test
    void withoutAKeyEveryDataEndpointIsAnswered401WithAChallengeAndNothingIsStored() {
        long before = ingestionCount(jdbc);
        for (HttpResponse<String> answer : List.of(
                api.ingest(BODY),
                api.get("/status/00000000-0000-7000-8000-000000000000"),
                api.get("/ingestions/00000000-0000-7000-8000-000000000000/records"),
                api.get("/ingestions/00000000-0000-7000-8000-000000000000/deliveries"),
                api.get("/no/such/path"))) {
            assertUnauthorized(answer, "missing: send Authorization: Bearer <key> or X-API-Key: <key>");
        }
        assertThat(ingestionCount(jdbc)).isEqualTo(before);
    }

    @Test
    void aWrongKeyIsRefusedAndEitherHeaderCarriesARightOne() {
        assertUnauthorized(api.ingest(BODY, bearer("alpha-secret-000000000")), "not recognised");
        assertUnauthorized(api.ingest(BODY, "Authorization", "Basic " + ALPHA), "not recognised");
        assertUnauthorized(
                api.ingest(BODY, "X-API-Key", ALPHA, "Authorization", "Bearer " + BETA),
                "one key per request: Authorization and X-API-Key name different keys");

        assertThat(api.ingest(BODY, bearer(ALPHA)).statusCode()).isEqualTo(200);
        assertThat(api.ingest(BODY, "Authorization", "bearer " + ALPHA).statusCode())
                .isEqualTo(200);
        assertThat(api.ingest(BODY, "X-API-Key", BETA).statusCode()).isEqualTo(200);
        assertThat(api.ingest(BODY, "X-API-Key", FILED).statusCode())
                .as("a key from the file")
                .isEqualTo(200);
    }

    @Test
    void anIngestionIsItsKeysAloneToSeeButAnAdminSeesEveryOne() {
        String id = ingestionId(api.ingest(BODY, bearer(ALPHA)));
        HttpResponse<String> unknown = api.get("/status/00000000-0000-7000-8000-000000000000", bearer(BETA));

        for (String path :
                List.of("/status/" + id, "/ingestions/" + id + "/records", "/ingestions/" + id + "/deliveries")) {
            assertThat(api.get(path, bearer(ALPHA)).statusCode()).as(path).isEqualTo(200);
            assertThat(api.get(path, bearer(OPS)).statusCode()).as(path).isEqualTo(200);
            HttpResponse<String> other = api.get(path, bearer(BETA));
            assertThat(other.statusCode()).as(path).isEqualTo(404);
            assertThat(other.body()).as("as if it did not exist").isEqualTo(unknown.body());
        }
    }

    @Test
    void healthMetricsAndTheApiDocsNeedNoKey() {
        assertThat(api.get("/health").statusCode()).isEqualTo(200);
        assertThat(api.get("/metrics").statusCode()).isEqualTo(200);
        assertThat(api.get("/openapi.json").statusCode()).isEqualTo(200);
        assertThat(api.get("/swagger-ui/index.html").statusCode()).isEqualTo(200);
        assertThat(api.get("/docs").statusCode()).as("redirects to the UI").isIn(200, 302);
    }

    @Test
    void aKeyInTheUrlIsRefusedEvenBesideAGoodHeader() {
        HttpResponse<String> answer =
                api.get("/status/00000000-0000-7000-8000-000000000000?api_key=" + ALPHA, bearer(ALPHA));

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(json(answer).get("details").has("api_key")).isTrue();
    }

    @Test
    void theApiDocumentDeclaresTheBearerAndHeaderSchemes() {
        JsonNode doc = json(api.get("/openapi.json"));

        JsonNode schemes = doc.at("/components/securitySchemes");
        assertThat(schemes.at("/bearer/type").asString()).isEqualTo("http");
        assertThat(schemes.at("/bearer/scheme").asString()).isEqualTo("bearer");
        assertThat(schemes.at("/apiKey/type").asString()).isEqualTo("apiKey");
        assertThat(schemes.at("/apiKey/in").asString()).isEqualTo("header");
        assertThat(schemes.at("/apiKey/name").asString()).isEqualTo("X-API-Key");
        assertThat(doc.get("security").toString()).contains("bearer").contains("apiKey");
    }

    @Test
    void aRequestThatWouldPassItsKeysCapIsAnswered429WithWhenToTryAgainAndOneLargerThanTheCap413() {
        String[] filed = {"X-API-Key", FILED};
        long before = ingestionCount(jdbc);
        assertThat(api.ingest(ids(600), filed).statusCode()).isEqualTo(200);

        HttpResponse<String> over = api.ingest(ids(600), filed);
        assertThat(over.statusCode()).isEqualTo(429);
        assertThat(json(over).get("error").asString()).isEqualTo("Quota exceeded");
        // 200 ids over the cap (204 if another test's 4 came first): 67 (68) slots of 5 s, fewer if
        // a batch of the key has run since
        assertThat(Long.parseLong(over.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(300L, 340L);
        HttpResponse<String> never = api.ingest(ids(CAP + 1), filed);
        assertThat(never.statusCode()).isEqualTo(413);
        assertThat(json(never).get("details").get("ids").asString()).contains("at most 1000");
        assertThat(ingestionCount(jdbc)).isEqualTo(before + 1);

        assertThat(api.ingest(ids(600), "X-API-Key", BETA).statusCode())
                .as("another key's quota is its own")
                .isEqualTo(200);
    }

    @Test
    void metricsNameTheKeyOfEachRequestAndNeverItsSecret() {
        api.get("/status/00000000-0000-7000-8000-000000000000", bearer(BETA));

        String metrics = api.get("/metrics").body();

        assertThat(metrics).containsPattern("http_server_requests_seconds_count\\{[^}]*api_key=\"beta\"");
        assertThat(metrics).doesNotContain(ALPHA, BETA, OPS, FILED);
    }

    @Test
    @Order(Integer.MAX_VALUE) // closes the store
    void logLinesNameTheKeyOfTheirRequestAndNoLineShowsASecret(CapturedOutput output) {
        dataSource.close(); // the next ingest is answered 503, with a warning in the log

        HttpResponse<String> answer = api.ingest(BODY, "X-API-Key", ALPHA, "X-Request-Id", "keyed-7");

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(output.getOut().lines().filter(line -> line.contains("store unavailable")))
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("[keyed-7 key=alpha]"));
        assertThat(output.getOut()).contains("API keys on: [alpha, beta, ops, filed]");
        assertThat(output.getOut() + output.getErr()).doesNotContain(ALPHA, BETA, OPS, FILED);
    }

    static String ids(int count) {
        return ApiAnswers.body(java.util.stream.IntStream.rangeClosed(1, count).toArray(), "LOW");
    }

    static void assertUnauthorized(HttpResponse<String> answer, String why) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(401);
        assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"ingestion-service\"");
        JsonNode body = json(answer);
        assertThat(body.get("error").asString()).isEqualTo("Unauthorized");
        assertThat(body.get("details").get("api_key").asString()).isEqualTo(why);
    }
}
