package dev.ingestion.api;

import static dev.ingestion.api.ApiAnswers.acceptedId;
import static dev.ingestion.api.ApiAnswers.assertError;
import static dev.ingestion.api.ApiAnswers.assertInvalidInput;
import static dev.ingestion.api.ApiAnswers.body;
import static dev.ingestion.api.ApiAnswers.padded;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Supplier;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.api.ApiClient.Reply;
import tools.jackson.databind.JsonNode;

/**
 * What {@code POST /ingest} refuses, at the edges of its limits and beyond them, and the answers
 * to requests no endpoint takes: each a JSON error naming what is wrong, and none of them stores
 * anything. Small limits (50 ids, 4 KB) make the edges cheap to reach.
 */
class IngestValidationTest extends ServiceOnH2 {

    static final int MAX_IDS = 50;
    static final int MAX_BODY = 4096;

    @DynamicPropertySource
    static void limits(DynamicPropertyRegistry registry) {
        registry.add("ingest.max-ids", () -> MAX_IDS);
        registry.add("ingest.max-body", () -> "4KB");
    }

    @Autowired
    DataSource dataSource;

    ApiClient api;

    @BeforeEach
    void connect() {
        api = new ApiClient(port);
    }

    // ---- accepted at the limits -----------------------------------------------------------------

    @Test
    void acceptsExactlyTheMaximumNumberOfIds() {
        int[] ids = IntStream.rangeClosed(1, MAX_IDS).toArray();

        acceptedId(api.ingest(body(ids, "LOW")));
    }

    @Test
    void acceptsABodyOfExactlyTheMaximumSize() {
        String body = padded("{\"ids\": [7], \"priority\": \"LOW\"}", MAX_BODY);

        acceptedId(api.ingest(body));
    }

    // ---- 400 ------------------------------------------------------------------------------------

    @Test
    void rejectsARequestWithoutIdsAndStoresNothing() {
        assertInvalidInput(storingNothing(() -> api.ingest("{\"priority\": \"LOW\"}")), "ids");
    }

    @Test
    void rejectsAnEmptyIdListAndStoresNothing() {
        assertInvalidInput(storingNothing(() -> api.ingest("{\"ids\": [], \"priority\": \"LOW\"}")), "ids");
    }

    @ParameterizedTest(name = "ids = {0}")
    @ValueSource(strings = {"\"1\"", "\"1,2\"", "5", "{}", "{\"0\": 1}", "null", "true"})
    void rejectsIdsThatAreNotAListAndStoresNothing(String ids) {
        assertInvalidInput(storingNothing(() -> api.ingest("{\"ids\": " + ids + ", \"priority\": \"LOW\"}")), "ids");
    }

    @ParameterizedTest(name = "id {0}")
    @ValueSource(strings = {"1.5", "1.0", "1e3", "\"abc\"", "\"1\"", "null", "[1, 2]", "[1]", "true", "{\"id\": 1}"})
    void rejectsAnIdThatIsNotAJsonIntegerAndStoresNothing(String id) {
        assertInvalidInput(storingNothing(() -> api.ingest("{\"ids\": [" + id + "], \"priority\": \"LOW\"}")), "ids");
        assertInvalidInput(
                storingNothing(() -> api.ingest("{\"ids\": [1, 2, " + id + "], \"priority\": \"LOW\"}")), "ids");
    }

    @ParameterizedTest(name = "id {0}")
    @ValueSource(
            strings = {
                "0",
                "-5",
                "-0",
                "1000000008",
                "2147483648",
                "4294967297",
                "9223372036854775808",
                "1000000000000000000000000000000",
                "-1000000000000000000000000000000"
            })
    void rejectsAnIdOutOfRangeAndStoresNothing(String id) {
        assertInvalidInput(storingNothing(() -> api.ingest("{\"ids\": [" + id + "], \"priority\": \"LOW\"}")), "ids");
        assertInvalidInput(
                storingNothing(() -> api.ingest("{\"ids\": [1, " + id + ", 3], \"priority\": \"LOW\"}")), "ids");
    }

    @Test
    void rejectsAnIdTooLongForANumberNamingIds() {
        String id = "1" + "0".repeat(1200);

        assertInvalidInput(storingNothing(() -> api.ingest("{\"ids\": [" + id + "], \"priority\": \"LOW\"}")), "ids");
    }

    @Test
    void rejectsACallbackUrlWhileWebhooksAreOffSayingWhatTurnsThemOn() {
        ApiClient.Reply reply = storingNothing(() ->
                api.ingest("{\"ids\": [1], \"priority\": \"LOW\", \"callback_url\": \"https://example.com/hooks\"}"));

        assertInvalidInput(reply, "callback_url");
        assertThat(reply.json().get("details").get("callback_url").asString()).contains("INGEST_WEBHOOK_SECRET");
    }

    @Test
    void rejectsAMissingPriorityAndStoresNothing() {
        assertInvalidInput(storingNothing(() -> api.ingest("{\"ids\": [1, 2]}")), "priority");
    }

    @ParameterizedTest(name = "priority = {0}")
    @ValueSource(
            strings = {
                "\"URGENT\"",
                "\"high\"",
                "\"High\"",
                "\" HIGH\"",
                "\"\"",
                "null",
                "1",
                "0",
                "true",
                "[\"HIGH\"]",
                "{\"level\": \"HIGH\"}"
            })
    void rejectsAnUnknownNullOrNonStringPriorityAndStoresNothing(String priority) {
        assertInvalidInput(
                storingNothing(() -> api.ingest("{\"ids\": [1, 2], \"priority\": " + priority + "}")), "priority");
    }

    @Test
    void namesEveryFaultyFieldAtOnce() {
        assertInvalidInput(
                storingNothing(() -> api.ingest("{\"ids\": [], \"priority\": \"URGENT\"}")), "ids", "priority");
        assertInvalidInput(storingNothing(() -> api.ingest("{}")), "ids", "priority");
    }

    @ParameterizedTest(name = "body {0}")
    @ValueSource(strings = {"[1, 2, 3]", "[{\"ids\": [1], \"priority\": \"LOW\"}]", "\"ids\"", "42", "null", "true"})
    void rejectsABodyThatIsNotAJsonObjectNamingTheBody(String body) {
        assertInvalidInput(storingNothing(() -> api.ingest(body)), "body");
    }

    @ParameterizedTest(name = "body {0}")
    @ValueSource(
            strings = {
                "{\"ids\": [1, 2",
                "{\"ids\": [1], \"priority\": \"LOW\"",
                "{ids: [1], priority: \"LOW\"}",
                "{\"ids\": [1], \"priority\": 'LOW'}",
                "{\"ids\": [1,], \"priority\": \"LOW\"}",
                "{\"ids\": [1], \"priority\": \"LOW\"}}",
                "{\"ids\": [1], \"priority\": \"LOW\"} {}",
                "ids=1&priority=LOW"
            })
    void rejectsMalformedJsonNamingTheBody(String body) {
        assertInvalidInput(storingNothing(() -> api.ingest(body)), "body");
    }

    @ParameterizedTest(name = "body \"{0}\"")
    @ValueSource(strings = {"", "   ", "\n"})
    void rejectsAnEmptyBodyNamingTheBody(String body) {
        assertInvalidInput(storingNothing(() -> api.ingest(body)), "body");
    }

    // ---- 415 and 413 ----------------------------------------------------------------------------

    @ParameterizedTest(name = "Content-Type: {0}")
    @ValueSource(
            strings = {
                "text/plain",
                "text/plain; charset=UTF-8",
                "application/xml",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "*/*",
                "application/*",
                "nonsense"
            })
    void rejectsANonJsonContentTypeWith415AndStoresNothing(String contentType) {
        Reply reply = storingNothing(() -> api.post("/ingest", contentType, "{\"ids\": [1], \"priority\": \"LOW\"}"));

        assertError(reply, 415);
    }

    @Test
    void rejectsARequestWithoutContentTypeWith415AndStoresNothing() {
        assertError(
                storingNothing(() -> api.postWithoutContentType("/ingest", "{\"ids\": [1], \"priority\": \"LOW\"}")),
                415);
    }

    @Test
    void rejectsMoreIdsThanTheLimitWith413AndStoresNothing() {
        int[] ids = IntStream.rangeClosed(1, MAX_IDS + 1).toArray();

        JsonNode error = assertError(storingNothing(() -> api.ingest(body(ids, "LOW"))), 413);
        assertThat(error.get("details").propertyNames()).containsExactly("ids");
    }

    @Test
    void rejectsABodyLargerThanTheLimitWith413AndStoresNothing() {
        String body = padded("{\"ids\": [7], \"priority\": \"LOW\"}", MAX_BODY + 1);

        assertError(storingNothing(() -> api.ingest(body)), 413);
        assertError(storingNothing(() -> api.postChunked("/ingest", "application/json", body)), 413);
    }

    // ---- every other answer ---------------------------------------------------------------------

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(strings = {"/no-such-path", "/status", "/ingestions/" + "x", "/ingest/extra"})
    void answersAnUnknownPathWithA404JsonError(String path) {
        assertError(api.get(path), 404);
    }

    @ParameterizedTest(name = "{0} /ingest")
    @ValueSource(strings = {"DELETE", "GET", "PUT", "PATCH"})
    void answersAnUnsupportedMethodWithA405JsonError(String method) {
        assertError(storingNothing(() -> api.send(method, "/ingest")), 405);
    }

    @Test
    void answersRequestsTheServletContainerRejectsWithAJsonError() {
        assertClientError(api.get("/status/a%2Fb"));
        assertClientError(api.get("/status/a%00b"));
        assertClientError(storingNothing(() -> api.post(
                "/ingest",
                "application/json",
                "{\"ids\": [1], \"priority\": \"LOW\"}",
                "X-Padding",
                "x".repeat(9000))));
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** Sends a request that must leave no trace: the rows of the ingestion tables are the same after it. */
    Reply storingNothing(Supplier<Reply> request) {
        StoredRows before = storedRows();
        Reply reply = request.get();
        assertThat(storedRows())
                .as("rows stored by a request answered %s", reply)
                .isEqualTo(before);
        return reply;
    }

    StoredRows storedRows() {
        return JdbcClient.create(dataSource)
                .sql(
                        "SELECT (SELECT COUNT(*) FROM ingestion) AS ingestions, (SELECT COUNT(*) FROM ingestion_chunk) AS chunks")
                .query((rs, n) -> new StoredRows(rs.getLong("ingestions"), rs.getLong("chunks")))
                .single();
    }

    record StoredRows(long ingestions, long idChunks) {}

    static void assertClientError(Reply reply) {
        assertThat(reply.status()).as("%s", reply).isBetween(400, 499);
        assertError(reply, reply.status());
    }
}
