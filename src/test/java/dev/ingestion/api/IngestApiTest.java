package dev.ingestion.api;

import static dev.ingestion.api.ApiAnswers.acceptedId;
import static dev.ingestion.api.ApiAnswers.assertError;
import static dev.ingestion.api.ApiAnswers.assertInvalidInput;
import static dev.ingestion.api.ApiAnswers.body;
import static dev.ingestion.api.ApiClient.assertJsonContains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.api.ApiClient.Reply;
import dev.ingestion.dispatch.Dispatcher;
import dev.ingestion.store.BatchStart;
import dev.ingestion.store.QueueReads;
import dev.ingestion.support.FakeClock;
import dev.ingestion.support.TestStores;
import tools.jackson.databind.JsonNode;

/**
 * The HTTP contract of {@code POST /ingest}, {@code GET /status/{id}} and
 * {@code GET /ingestions/{id}/records}, against the whole application on an H2 file store; what
 * {@code POST /ingest} refuses is {@link IngestValidationTest}'s.
 *
 * <p>Time is frozen and the interval is an hour, so the queue holds still while the tests look at
 * it. Exactly two batches ever start in this context, both in {@link #takeTheOnlyTwoSlotsOfThisContext}:
 * the first batch of {@code first} at T0 (the limiter's last start is the epoch, so the first
 * batch ever starts at once) and the single batch of {@code single} at T1 = T0 + 1h. After that
 * the next slot is T1 + 1h and nothing else starts, so the batch at queue position p has
 * {@code estimated_start = T1 + p * 1h}. Tests accept more ingestions in any order; {@link #QUEUE}
 * follows them so that every expected position is computed, not assumed from the test order.
 * Only {@link #givesAHighIngestionSubmittedAfterALowOneTheEarlierQueuePositions} submits HIGH
 * work that waits; every other accepted ingestion is LOW.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext // closes the store before the temporary folder goes
class IngestApiTest {

    static final Duration INTERVAL = Duration.ofHours(1);
    static final Duration UPSTREAM_DELAY = Duration.ofMillis(100);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Instant T1 = T0.plus(INTERVAL);
    static final FakeClock CLOCK = new FakeClock(T0);
    private static final List<String> PRIORITIES = List.of("HIGH", "MEDIUM", "LOW");
    private static final DateTimeFormatter ISO =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** Every accepted ingestion in acceptance (that is, sequence) order. */
    static final List<Queued> QUEUE = new ArrayList<>();

    @TempDir
    static Path folder;

    static Queued first;
    static Queued single;

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    ApiClient api;

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("ingest.db-url", () -> TestStores.h2Url(folder));
        registry.add("ingest.interval", () -> "1h");
        registry.add("ingest.upstream-delay", () -> "100ms");
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class FrozenClock {

        @Bean
        @Primary
        Clock frozenClock() {
            return CLOCK;
        }
    }

    @BeforeAll
    static void takeTheOnlyTwoSlotsOfThisContext(ApplicationContext context) {
        ApiClient api = new ApiClient(context.getEnvironment().getRequiredProperty("local.server.port", Integer.class));

        first = accept(api, "MEDIUM", 1, 2, 3, 4, 5, 6, 7);
        awaitCompleted(api, first, 0);
        first.waiting = 2;

        // The loop now waits for T1, which a frozen clock never reaches: the test moves the clock there
        // and runs the dispatcher's step itself. Whichever of the two claims first, one batch starts
        // at T1, the best waiting one: HIGH before MEDIUM.
        single = accept(api, "HIGH", 8, 9);
        CLOCK.set(T1);
        context.getBean(Dispatcher.class).runOnce();
        awaitCompleted(api, single, 0);
        single.waiting = 0;

        assertThat(context.getBean(QueueReads.class).starts())
                .extracting(BatchStart::startedAt)
                .containsExactly(T0, T1);
    }

    @BeforeEach
    void connect() {
        api = new ApiClient(port);
    }

    // ---- POST /ingest: accepted -------------------------------------------------------------

    @Test
    void acceptsTheSmallestAndLargestIdsAndAnswersWithTheIngestionIdAlone() {
        Reply reply = api.ingest("{\"ids\": [1, 1000000007], \"priority\": \"LOW\"}");

        Queued queued = accepted(reply, "LOW", 2);
        assertJsonContains(status(queued), """
                {"ingestion_id": "%s", "status": "yet_to_start", "batches": [{"ids": [1, 1000000007]}]}
                """.formatted(queued.id));
    }

    @Test
    void keepsDuplicateIdsAsGivenInTheBatchesAndTheRecords() {
        Queued queued = accept("LOW", 5, 5, 5, 5, 5);

        assertJsonContains(status(queued), """
                {"batches": [{"ids": [5, 5, 5]}, {"ids": [5, 5]}]}
                """);
        assertJsonContains(api.get("/ingestions/" + queued.id + "/records").json(), """
                {"total": 5, "records": [
                  {"position": 0, "id": 5, "state": "pending"}, {"position": 1, "id": 5, "state": "pending"},
                  {"position": 2, "id": 5, "state": "pending"}, {"position": 3, "id": 5, "state": "pending"},
                  {"position": 4, "id": 5, "state": "pending"}]}
                """);
    }

    @Test
    void acceptsAJsonContentTypeWithACharset() {
        Reply reply = api.post("/ingest", "application/json; charset=UTF-8", "{\"ids\": [3], \"priority\": \"LOW\"}");

        accepted(reply, "LOW", 1);
    }

    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {"text/plain", "application/xml", "text/html"})
    void answersAValidIngestionWhateverTheAcceptHeaderSaysAndTellsTheTruthAboutTheStore(String accept) {
        long lastSeq = lastStoredSeq();

        Reply reply =
                api.post("/ingest", "application/json", "{\"ids\": [1], \"priority\": \"LOW\"}", "Accept", accept);

        List<UUID> stored = storedAfter(lastSeq);
        stored.forEach(id -> QUEUE.add(new Queued(id, PRIORITIES.indexOf("LOW"), 1))); // the queue as it now is
        if (reply.status() == 200) {
            assertThat(stored).as("stored for %s", reply).containsExactly(acceptedId(reply));
        } else {
            assertError(reply, reply.status());
            assertThat(stored).as("an ingestion stored, but answered %s", reply).isEmpty();
        }
    }

    // ---- GET /status ------------------------------------------------------------------------

    @Test
    void answersAnUnknownIngestionWith404() {
        assertError(api.get("/status/" + UUID.randomUUID()), 404);
    }

    @ParameterizedTest(name = "/status/{0}")
    @ValueSource(
            strings = {
                "abc",
                "123",
                "not-a-uuid-at-all",
                "00000000-0000-0000-0000-00000000000g",
                "00000000-0000-0000-0000-0000000000001",
                "%20"
            })
    void answersAMalformedIngestionIdWith404(String id) {
        assertError(api.get("/status/" + id), 404);
    }

    @Test
    void cutsIdsIntoBatchesOfThreeInRequestOrderWithTheLastShorterAndUniqueBatchIds() {
        Queued queued = accept("LOW", 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);

        JsonNode status = status(queued);
        assertJsonContains(status, """
                {"batches": [{"ids": [10, 9, 8]}, {"ids": [7, 6, 5]}, {"ids": [4, 3, 2]}, {"ids": [1]}]}
                """);
        Set<String> batchIds = batchIds(status);
        assertThat(batchIds)
                .hasSize(4)
                .allSatisfy(id -> assertThat(UUID.fromString(id).toString()).isEqualTo(id));
        assertThat(batchIds).doesNotContainAnyElementsOf(batchIds(status(first)));
        assertThat(status(queued)).as("a second look").isEqualTo(status);
    }

    @Test
    void reportsAFreshIngestionAsYetToStartWithExactEstimates() {
        Queued queued = accept("LOW", 11, 12, 13, 14, 15, 16, 17);

        JsonNode status = status(queued);
        assertJsonContains(status, """
                {"ingestion_id": "%s", "status": "yet_to_start", "batches": [
                  {"ids": [11, 12, 13], "status": "yet_to_start", "started_at": null, "completed_at": null},
                  {"ids": [14, 15, 16], "status": "yet_to_start", "started_at": null, "completed_at": null},
                  {"ids": [17], "status": "yet_to_start", "started_at": null, "completed_at": null}]}
                """.formatted(queued.id));
        assertWaitingEstimates(status, queued);
    }

    @Test
    void reportsAnIngestionWithACompletedBatchAndWaitingOnesAsTriggered() {
        JsonNode status = status(first);

        assertJsonContains(status, """
                {"ingestion_id": "%s", "status": "triggered", "batches": [
                  {"ids": [1, 2, 3], "status": "completed", "started_at": "2026-01-01T00:00:00.000Z",
                   "completed_at": "2026-01-01T00:00:00.000Z", "queue_position": null, "estimated_start": null},
                  {"ids": [4, 5, 6], "status": "yet_to_start", "started_at": null, "completed_at": null},
                  {"ids": [7], "status": "yet_to_start", "started_at": null, "completed_at": null}]}
                """.formatted(first.id));
        assertWaitingEstimates(status, first);
    }

    @Test
    void reportsAFullyProcessedIngestionAsCompletedWithNoEstimates() {
        assertJsonContains(status(single), """
                {"ingestion_id": "%s", "status": "completed", "estimated_completion": null, "batches": [
                  {"ids": [8, 9], "status": "completed", "started_at": "2026-01-01T01:00:00.000Z",
                   "completed_at": "2026-01-01T01:00:00.000Z", "queue_position": null, "estimated_start": null}]}
                """.formatted(single.id));
    }

    @Test
    void givesAHighIngestionSubmittedAfterALowOneTheEarlierQueuePositions() {
        Queued low = accept("LOW", 21, 22, 23, 24);
        List<Long> lowBefore = queuePositions(status(low));
        assertWaitingEstimates(status(low), low);

        Queued high = accept("HIGH", 31, 32, 33, 34);

        // Nothing HIGH waits before it, so it takes the next two slots: T1 + 1h and T1 + 2h.
        JsonNode highStatus = status(high);
        assertJsonContains(highStatus, """
                {"status": "yet_to_start", "estimated_completion": "2026-01-01T03:00:00.100Z", "batches": [
                  {"ids": [31, 32, 33], "queue_position": 1, "estimated_start": "2026-01-01T02:00:00.000Z"},
                  {"ids": [34], "queue_position": 2, "estimated_start": "2026-01-01T03:00:00.000Z"}]}
                """);
        assertWaitingEstimates(highStatus, high);
        JsonNode lowAfter = status(low);
        assertThat(queuePositions(lowAfter)).containsExactly(lowBefore.get(0) + 2, lowBefore.get(1) + 2);
        assertWaitingEstimates(lowAfter, low);
        assertWaitingEstimates(status(first), first);
    }

    // ---- GET /ingestions/{id}/records ----------------------------------------------------------

    @Test
    void listsOneRecordPerRequestedIdInRequestOrderFetchedOrPending() {
        assertJsonContains(api.get("/ingestions/" + first.id + "/records").json(), """
                {"ingestion_id": "%s", "offset": 0, "limit": 100, "total": 7, "records": [
                  {"position": 0, "id": 1, "state": "fetched", "data": {"id": 1, "data": "processed"},
                   "fetched_at": "2026-01-01T00:00:00.000Z"},
                  {"position": 1, "id": 2, "state": "fetched", "data": {"id": 2, "data": "processed"},
                   "fetched_at": "2026-01-01T00:00:00.000Z"},
                  {"position": 2, "id": 3, "state": "fetched", "data": {"id": 3, "data": "processed"},
                   "fetched_at": "2026-01-01T00:00:00.000Z"},
                  {"position": 3, "id": 4, "state": "pending", "data": null, "fetched_at": null},
                  {"position": 4, "id": 5, "state": "pending", "data": null, "fetched_at": null},
                  {"position": 5, "id": 6, "state": "pending", "data": null, "fetched_at": null},
                  {"position": 6, "id": 7, "state": "pending", "data": null, "fetched_at": null}]}
                """.formatted(first.id));
    }

    @Test
    void pagesRecordsWithOffsetAndLimit() {
        String records = "/ingestions/" + first.id + "/records";

        assertJsonContains(api.get(records + "?offset=2&limit=3").json(), """
                {"offset": 2, "limit": 3, "total": 7, "records": [
                  {"position": 2, "id": 3, "state": "fetched", "data": {"id": 3, "data": "processed"}},
                  {"position": 3, "id": 4, "state": "pending", "data": null},
                  {"position": 4, "id": 5, "state": "pending", "data": null}]}
                """);
        assertJsonContains(api.get(records + "?limit=1").json(), """
                {"offset": 0, "limit": 1, "total": 7, "records": [{"position": 0, "id": 1, "state": "fetched"}]}
                """);
        assertJsonContains(api.get(records + "?offset=6&limit=1000").json(), """
                {"offset": 6, "limit": 1000, "total": 7, "records": [{"position": 6, "id": 7, "state": "pending"}]}
                """);
        assertJsonContains(api.get(records + "?offset=7").json(), """
                {"offset": 7, "total": 7, "records": []}
                """);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "offset,-1",
        "offset,x",
        "offset,1.5",
        "offset,99999999999",
        "limit,0",
        "limit,-1",
        "limit,1001",
        "limit,100000",
        "limit,x",
        "limit,2.5"
    })
    void rejectsABadOffsetOrLimitNamingTheParameter(String parameter, String value) {
        assertInvalidInput(api.get("/ingestions/" + first.id + "/records?" + parameter + "=" + value), parameter);
    }

    @ParameterizedTest(name = "/ingestions/{0}/records")
    @ValueSource(strings = {"7d0c6c4e-0b7a-4b8e-9f3e-2f6a1c1d2e3f", "abc", "123"})
    void answersRecordsOfAnUnknownOrMalformedIngestionWith404(String id) {
        assertError(api.get("/ingestions/" + id + "/records"), 404);
    }

    // ---- GET /health ------------------------------------------------------------------------

    @Test
    void reportsHealthUpWhileTheStoreIsReachable() {
        Reply reply = api.get("/health");

        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.json().get("status").asString()).isEqualTo("UP");
    }

    // ---- helpers -----------------------------------------------------------------------------

    /** An accepted ingestion: where the queue keeps it, and how many of its batches still wait. */
    static final class Queued {

        final UUID id;
        final int rank;
        int waiting;

        Queued(UUID id, int rank, int waiting) {
            this.id = id;
            this.rank = rank;
            this.waiting = waiting;
        }
    }

    /** Batches that start before the first waiting batch of {@code queued}, by the spec's order. */
    static long ahead(Queued queued) {
        long ahead = 0;
        boolean earlier = true;
        for (Queued other : QUEUE) {
            if (other == queued) {
                earlier = false;
            } else if (other.rank < queued.rank || other.rank == queued.rank && earlier) {
                ahead += other.waiting;
            }
        }
        return ahead;
    }

    /** The waiting batches of {@code queued}: their places in line and start times, and its completion. */
    static void assertWaitingEstimates(JsonNode status, Queued queued) {
        JsonNode batches = status.get("batches");
        long ahead = ahead(queued);
        int firstWaiting = batches.size() - queued.waiting;
        for (int k = 0; k < queued.waiting; k++) {
            long position = ahead + k + 1;
            assertJsonContains(batches.get(firstWaiting + k), """
                    {"status": "yet_to_start", "queue_position": %d, "estimated_start": "%s"}
                    """.formatted(
                            position, iso(T1.plus(INTERVAL.multipliedBy(position)))));
        }
        Instant lastStart = T1.plus(INTERVAL.multipliedBy(ahead + queued.waiting));
        assertThat(status.get("estimated_completion").asString())
                .as("estimated_completion of %s", status)
                .isEqualTo(iso(lastStart.plus(UPSTREAM_DELAY)));
    }

    static String iso(Instant instant) {
        return ISO.format(instant);
    }

    Queued accept(String priority, int... ids) {
        return accept(api, priority, ids);
    }

    static Queued accept(ApiClient api, String priority, int... ids) {
        return accepted(api.ingest(body(ids, priority)), priority, ids.length);
    }

    /** Checks a 200 answer to {@code POST /ingest} and notes the ingestion as the queue now holds it. */
    static Queued accepted(Reply reply, String priority, int idCount) {
        Queued queued = new Queued(acceptedId(reply), PRIORITIES.indexOf(priority), (idCount + 2) / 3);
        QUEUE.add(queued);
        return queued;
    }

    JsonNode status(Queued queued) {
        return status(api, queued);
    }

    static JsonNode status(ApiClient api, Queued queued) {
        Reply reply = api.get("/status/" + queued.id);
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        return reply.json();
    }

    static void awaitCompleted(ApiClient api, Queued queued, int batch) {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> "completed"
                        .equals(status(api, queued)
                                .get("batches")
                                .get(batch)
                                .get("status")
                                .asString()));
    }

    static Set<String> batchIds(JsonNode status) {
        Set<String> ids = new HashSet<>();
        status.get("batches").forEach(batch -> ids.add(batch.get("batch_id").asString()));
        return ids;
    }

    static List<Long> queuePositions(JsonNode status) {
        List<Long> positions = new ArrayList<>();
        status.get("batches").forEach(batch -> {
            if (!batch.get("queue_position").isNull()) {
                positions.add(batch.get("queue_position").asLong());
            }
        });
        return positions;
    }

    long lastStoredSeq() {
        return JdbcClient.create(dataSource)
                .sql("SELECT COALESCE(MAX(seq), 0) FROM ingestion")
                .query(Long.class)
                .single();
    }

    List<UUID> storedAfter(long seq) {
        return JdbcClient.create(dataSource)
                .sql("SELECT id FROM ingestion WHERE seq > :seq ORDER BY seq")
                .param("seq", seq)
                .query(UUID.class)
                .list();
    }
}
