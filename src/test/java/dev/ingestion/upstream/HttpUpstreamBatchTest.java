package dev.ingestion.upstream;

import static dev.ingestion.upstream.HttpUpstreamTest.CLOCK;
import static dev.ingestion.upstream.HttpUpstreamTest.outcomes;
import static dev.ingestion.upstream.StubUpstream.json;
import static dev.ingestion.upstream.StubUpstream.text;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ingestion.upstream.Outcome.Failure;

/** The {ids} template: one GET per call, the answer split by id. */
class HttpUpstreamBatchTest {

    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final StubUpstream stub = HttpUpstreamTest.startStub();

    @AfterEach
    void stop() {
        stub.close();
        timer.shutdownNow();
    }

    HttpUpstream upstream(long maxRecord) {
        return new HttpUpstream(
                stub.url("/items?ids={ids}"), Map.of(), Duration.ofSeconds(5), maxRecord, CLOCK, timer, null);
    }

    List<Outcome> fetch(List<Integer> ids) {
        return outcomes(upstream(1024 * 1024).fetch(ids));
    }

    @Test
    void oneGetCarriesTheDistinctIdsInFirstSeenOrderAndDuplicatesShareTheirRecord() {
        stub.answer(json(200, "[{\"id\": 1, \"v\": \"one\"}, {\"id\": 3, \"v\": \"three\"}]"));

        List<Outcome> outcomes = fetch(List.of(3, 1, 3));

        assertThat(stub.requests)
                .singleElement()
                .satisfies(request -> assertThat(request.uri().getRawQuery()).isEqualTo("ids=3,1"));
        assertThat(outcomes)
                .containsExactly(
                        new Outcome.Fetched("{\"id\":3,\"v\":\"three\"}"),
                        new Outcome.Fetched("{\"id\":1,\"v\":\"one\"}"),
                        new Outcome.Fetched("{\"id\":3,\"v\":\"three\"}"));
    }

    @Test
    void anArrayMayCarryItsIdsAsNumericStrings() {
        stub.answer(json(200, "[{\"id\": \"5\", \"v\": 5}, \"stray\", {\"v\": \"no id\"}]"));

        assertThat(fetch(List.of(5))).containsExactly(new Outcome.Fetched("{\"id\":\"5\",\"v\":5}"));
    }

    @Test
    void anObjectKeyedByIdAnswersToo() {
        stub.answer(json(200, "{\"1\": {\"v\": \"one\"}, \"2\": [2], \"x\": 9}"));

        assertThat(fetch(List.of(1, 2)))
                .containsExactly(new Outcome.Fetched("{\"v\":\"one\"}"), new Outcome.Fetched("[2]"));
    }

    @Test
    void anIdMissingFromTheAnswerIsAFinalFailureForThatIdAlone() {
        stub.answer(json(200, "[{\"id\": 1}, {\"id\": 3}]"));

        assertThat(fetch(List.of(1, 2, 3)))
                .containsExactly(
                        new Outcome.Fetched("{\"id\":1}"),
                        new Outcome.Final(new Failure("missing", 200, "id 2 missing from the upstream's answer")),
                        new Outcome.Fetched("{\"id\":3}"));
    }

    @Test
    void aFailedCallGivesEveryIdTheSameOutcome() {
        stub.answer(json(429, "", "Retry-After", "3"));

        Outcome throttled = new Outcome.Transient(
                new Failure("http", 429, "HTTP 429 from the upstream"), Duration.ofSeconds(3), true);
        assertThat(fetch(List.of(1, 2, 1))).containsExactly(throttled, throttled, throttled);
    }

    @Test
    void anAnswerThatIsNotJsonOrNotRecordsIsFinalInvalidForEveryId() {
        stub.answer(text(200, "hello"));
        assertThat(fetch(List.of(1, 2)))
                .containsOnly(new Outcome.Final(new Failure("invalid", 200, "the upstream's answer is not JSON")));

        stub.answer(json(200, "42"));
        assertThat(fetch(List.of(1)))
                .containsOnly(new Outcome.Final(new Failure(
                        "invalid",
                        200,
                        "the upstream's answer is neither an array of records nor an object keyed by id")));
    }

    @Test
    void aRecordOverTheLimitIsFinalTooLargeForThatIdOnly() {
        String big = "x".repeat(1500);
        stub.answer(json(200, "[{\"id\": 1}, {\"id\": 2, \"v\": \"" + big + "\"}, {\"id\": 3}]"));

        assertThat(outcomes(upstream(1024).fetch(List.of(1, 2, 3))))
                .containsExactly(
                        new Outcome.Fetched("{\"id\":1}"),
                        new Outcome.Final(new Failure("too_large", 200, "record larger than 1KB")),
                        new Outcome.Fetched("{\"id\":3}"));
    }

    @Test
    void anAnswerOverTheLimitTimesTheIdsIsTooLargeForEveryIdWithoutReadingItAll() {
        stub.answer(StubUpstream.endless());

        assertThat(outcomes(upstream(1024).fetch(List.of(1, 2, 3, 2))))
                .hasSize(4)
                .containsOnly(new Outcome.Final(new Failure("too_large", 200, "answer larger than 3KB (1KB per id)")));
    }

    @Test
    void anEmptyCallAsksNothing() {
        assertThat(upstream(1024).fetch(List.of())).isEmpty();
        assertThat(stub.requests).isEmpty();
    }
}
