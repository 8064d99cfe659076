package dev.ingestion.upstream;

import static dev.ingestion.upstream.StubUpstream.json;
import static dev.ingestion.upstream.StubUpstream.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.ingestion.upstream.Outcome.Failure;

class HttpUpstreamTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);
    static final Map<String, String> SECRET_HEADERS =
            Map.of("Authorization", "Bearer s3cret-token", "X-Tenant", "t-77");

    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final StubUpstream stub = startStub();

    @AfterEach
    void stop() {
        stub.close();
        timer.shutdownNow();
    }

    static StubUpstream startStub() {
        try {
            return StubUpstream.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    HttpUpstream upstream(String url, Duration timeout, long maxRecord) {
        return new HttpUpstream(url, SECRET_HEADERS, timeout, maxRecord, CLOCK, timer, null);
    }

    HttpUpstream upstream() {
        return upstream(stub.url("/items/{id}"), Duration.ofSeconds(5), 1024 * 1024);
    }

    static Outcome one(Upstream upstream, int id) {
        return outcomes(upstream.fetch(List.of(id))).get(0);
    }

    static List<Outcome> outcomes(List<CompletableFuture<Outcome>> futures) {
        return futures.stream()
                .map(future -> future.orTimeout(10, TimeUnit.SECONDS).join())
                .toList();
    }

    static Outcome.Transient transientHttp(int status, Duration retryAfter, boolean throttled) {
        return new Outcome.Transient(
                new Failure("http", status, "HTTP " + status + " from the upstream"), retryAfter, throttled);
    }

    @Test
    void aJsonAnswerIsTheRecordKeptCompactAndExact() {
        stub.answer(json(200, "{ \"id\" : 7,\n \"price\": 1.10, \"tags\": [ \"a\" ] }"));

        assertThat(one(upstream(), 7)).isEqualTo(new Outcome.Fetched("{\"id\":7,\"price\":1.10,\"tags\":[\"a\"]}"));
        assertThat(stub.requests).singleElement().satisfies(request -> {
            assertThat(request.uri().getPath()).isEqualTo("/items/7");
            assertThat(request.headers().getFirst("Accept")).isEqualTo("application/json");
        });
    }

    @ParameterizedTest(name = "body \"{0}\"")
    @ValueSource(strings = {"he said \"hi\"\nthen left", "", "{not json", "[1] trailing"})
    void aBodyThatIsNotJsonIsStoredAsAJsonString(String body) {
        stub.answer(text(200, body));

        String escaped = "\"" + body.replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        assertThat(one(upstream(), 1)).isEqualTo(new Outcome.Fetched(escaped));
    }

    @Test
    void eachDistinctIdIsOneGetAndTheOutcomesFollowTheOrderGiven() {
        stub.answer(exchange -> {
            String id = exchange.getRequestURI().getPath().substring("/items/".length());
            json(id.equals("2") ? 404 : 200, "{\"id\":" + id + "}").answer(exchange);
        });

        List<Outcome> outcomes = outcomes(upstream().fetch(List.of(3, 2, 1, 3)));

        assertThat(outcomes)
                .containsExactly(
                        new Outcome.Fetched("{\"id\":3}"),
                        new Outcome.Final(new Failure("http", 404, "HTTP 404 from the upstream")),
                        new Outcome.Fetched("{\"id\":1}"),
                        new Outcome.Fetched("{\"id\":3}"));
        assertThat(stub.requests)
                .extracting(request -> request.uri().getPath())
                .containsExactlyInAnyOrder("/items/3", "/items/2", "/items/1");
    }

    @ParameterizedTest(name = "HTTP {0} is final")
    @ValueSource(ints = {400, 401, 403, 404, 410, 301, 302})
    void anotherClientErrorOrARedirectIsAFinalHttpFailure(int status) {
        stub.answer(json(status, "{\"error\":\"no\"}", "Location", "/elsewhere"));

        assertThat(one(upstream(), 1))
                .isEqualTo(new Outcome.Final(new Failure("http", status, "HTTP " + status + " from the upstream")));
        assertThat(stub.requests).hasSize(1);
    }

    @ParameterizedTest(name = "HTTP {0} is transient, not throttled")
    @ValueSource(ints = {408, 500, 502, 503, 504})
    void aTimeoutStatusOrAServerErrorWithoutRetryAfterIsTransientAndNotThrottled(int status) {
        stub.answer(json(status, "{\"error\":\"later\"}"));

        assertThat(one(upstream(), 1)).isEqualTo(transientHttp(status, null, false));
    }

    @Test
    void tooManyRequestsWithRetryAfterInSecondsIsThrottledForThatLong() {
        stub.answer(json(429, "", "Retry-After", "7"));

        assertThat(one(upstream(), 1)).isEqualTo(transientHttp(429, Duration.ofSeconds(7), true));
    }

    @Test
    void tooManyRequestsWithAnHttpDateWaitsUntilThatDateOnTheGivenClock() {
        stub.answer(json(429, "", "Retry-After", "Wed, 01 Jan 2025 00:01:30 GMT"));

        assertThat(one(upstream(), 1)).isEqualTo(transientHttp(429, Duration.ofSeconds(90), true));
    }

    @Test
    void tooManyRequestsWithAMalformedRetryAfterIsStillThrottledWithNoWait() {
        stub.answer(json(429, "", "Retry-After", "soon"));

        assertThat(one(upstream(), 1)).isEqualTo(transientHttp(429, null, true));
    }

    @Test
    void serviceUnavailableIsThrottledOnlyWhenItSaysWhenToComeBack() {
        stub.answer(json(503, "", "Retry-After", "12"));
        assertThat(one(upstream(), 1)).isEqualTo(transientHttp(503, Duration.ofSeconds(12), true));

        stub.answer(json(503, ""));
        assertThat(one(upstream(), 1)).isEqualTo(transientHttp(503, null, false));
    }

    @Test
    void anAnswerSlowerThanTheTimeoutIsATransientTimeout() {
        stub.answer(stub.heldBeforeHeaders());

        assertThat(one(upstream(stub.url("/items/{id}"), Duration.ofMillis(200), 1024 * 1024), 1))
                .isEqualTo(new Outcome.Transient(new Failure("timeout", 0, "no answer within 200ms"), null, false));
    }

    @Test
    void aBodyThatStallsAfterTheHeadersIsATransientTimeoutToo() {
        stub.answer(stub.heldMidBody());

        assertThat(one(upstream(stub.url("/items/{id}"), Duration.ofMillis(300), 1024 * 1024), 1))
                .isEqualTo(new Outcome.Transient(new Failure("timeout", 0, "no answer within 300ms"), null, false));
    }

    @Test
    void aRefusedConnectionIsATransientConnectionFailure() throws IOException {
        Outcome outcome = one(upstream(StubUpstream.refusingUrl("/items/{id}"), Duration.ofSeconds(2), 1024), 1);

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Transient.class, failed -> {
            assertThat(failed.failure().kind()).isEqualTo("connection");
            assertThat(failed.failure().status()).isZero();
            assertThat(failed.failure().message()).startsWith("could not reach the upstream");
            assertThat(failed.throttled()).isFalse();
        });
    }

    @Test
    void anEndlessBodyIsFinalTooLargeOnceItPassesTheLimit() {
        stub.answer(StubUpstream.endless());

        assertThat(one(upstream(stub.url("/items/{id}"), Duration.ofSeconds(5), 2048), 1))
                .isEqualTo(new Outcome.Final(new Failure("too_large", 200, "record larger than 2KB")));
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeTheBodyArrives() {
        stub.answer(exchange -> {
            exchange.sendResponseHeaders(200, 10_000_000);
            exchange.getResponseBody().flush();
            stub.heldBeforeHeaders().answer(exchange);
        });

        assertThat(one(upstream(stub.url("/items/{id}"), Duration.ofSeconds(5), 2048), 1))
                .isEqualTo(new Outcome.Final(new Failure("too_large", 200, "record larger than 2KB")));
    }

    @Test
    void aRecordExactlyAtTheLimitIsKept() {
        String body = "\"" + "x".repeat(2046) + "\"";
        stub.answer(json(200, body));

        assertThat(one(upstream(stub.url("/items/{id}"), Duration.ofSeconds(5), 2048), 1))
                .isEqualTo(new Outcome.Fetched(body));
    }

    @Test
    void theExtraHeadersAreSentButNeverShownInFailuresOrDescriptions() throws IOException {
        stub.answer(json(500, ""));
        HttpUpstream upstream = upstream();
        Outcome serverError = one(upstream, 1);
        stub.answer(stub.heldBeforeHeaders());
        Outcome timeout = one(upstream(stub.url("/items/{id}"), Duration.ofMillis(200), 1024), 1);
        Outcome refused = one(upstream(StubUpstream.refusingUrl("/items/{id}"), Duration.ofSeconds(2), 1024), 1);

        assertThat(stub.requests.get(0).headers().getFirst("Authorization")).isEqualTo("Bearer s3cret-token");
        assertThat(stub.requests.get(0).headers().getFirst("X-Tenant")).isEqualTo("t-77");
        for (Object shown : List.of(serverError, timeout, refused, upstream)) {
            assertThat(shown.toString()).doesNotContain("s3cret", "t-77");
        }
        assertThat(upstream.toString()).contains("Authorization", "X-Tenant");
    }

    @Test
    void expectedLatencyStartsAtASecondAndFollowsTheObservedAnswers() {
        HttpUpstream upstream = upstream();
        assertThat(upstream.expectedLatency()).isEqualTo(Duration.ofSeconds(1));
        assertThat(upstream(stub.url("/items/{id}"), Duration.ofMillis(300), 1024)
                        .expectedLatency())
                .isEqualTo(Duration.ofMillis(300));

        for (int i = 0; i < 5; i++) {
            one(upstream, i + 1);
        }

        assertThat(upstream.expectedLatency()).isLessThan(Duration.ofMillis(700));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"http://host/items", "http://host/items/{id}?more={ids}", "ftp://host/{id}", "/items/{id}"})
    void aTemplateWithoutExactlyOnePlaceholderOrNotHttpIsRefusedNamingTheVariable(String template) {
        assertThatThrownBy(() -> upstream(template, Duration.ofSeconds(1), 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("INGEST_UPSTREAM_URL ");
    }

    @Test
    void aHeaderTheClientCannotSendIsRefusedAtStartWithoutItsValue() {
        assertThatThrownBy(() -> new HttpUpstream(
                        stub.url("/{id}"),
                        Map.of("Host", "secret-host"),
                        Duration.ofSeconds(1),
                        1024,
                        CLOCK,
                        timer,
                        null))
                .hasMessage("INGEST_UPSTREAM_HEADERS: the client cannot send the header Host");
    }
}
