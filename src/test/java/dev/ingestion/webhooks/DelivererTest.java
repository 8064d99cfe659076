package dev.ingestion.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.standardwebhooks.Webhook;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.Callback;
import dev.ingestion.store.NewIngestion;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.QueueStore;
import dev.ingestion.store.WebhookOutbox;
import dev.ingestion.store.WebhookOutbox.State;
import dev.ingestion.support.FakeClock;
import dev.ingestion.support.TestStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The delivery of webhooks on a fake clock: {@code deliverOnce()} as the dispatcher's {@code runOnce()}. */
class DelivererTest {

    private static final RateLimit RATE = new RateLimit(Duration.ofSeconds(5));
    private static final URI HOOKS = URI.create("https://hooks.example.com/ingest");
    private static final String SECRET = Signatures.newSecret();
    /** No jitter: the schedule's steps exactly. */
    private static final RandomGenerator NO_JITTER = () -> 0L;

    @TempDir
    Path folder;

    private HikariDataSource dataSource;
    private QueueStore store;
    private WebhookOutbox outbox;
    private FakeClock clock;
    private ScriptedClient client;
    private Deliverer deliverer;
    private Instant nextSlot = Instant.EPOCH;

    @BeforeEach
    void setUp() {
        dataSource = TestStores.h2(folder);
        store = new QueueStore(dataSource);
        outbox = new WebhookOutbox(dataSource);
        // near the real time: the reference library refuses signatures more than 5 minutes old
        clock = new FakeClock(Clock.systemUTC().instant().truncatedTo(ChronoUnit.SECONDS));
        client = new ScriptedClient(clock);
        deliverer = deliverer("instance-a");
    }

    private Deliverer deliverer(String owner) {
        return new Deliverer(
                outbox,
                new Payloads(new QueueReads(dataSource), "https://ingest.example.com"),
                Signatures.parse(SECRET),
                client,
                new RetrySchedule(Duration.ofSeconds(5), 8, NO_JITTER),
                clock,
                owner,
                Duration.ofSeconds(60),
                new DeliveryMetrics(new SimpleMeterRegistry(), clock));
    }

    @AfterEach
    void tearDown() {
        dataSource.close();
    }

    @Test
    void eachEventTheCallbackAskedForIsDeliveredOnceInOrderSignedSoTheReferenceLibraryVerifiesIt() throws Exception {
        UUID id = completed(HOOKS, Set.of(EventKind.BATCH_COMPLETED, EventKind.INGESTION_COMPLETED), 1, 2, 3, 4);

        assertThat(deliverer.deliverOnce()).isEqualTo(3);
        assertThat(deliverer.deliverOnce()).isZero();

        List<Sent> sent = client.sent;
        assertThat(sent)
                .extracting(s -> json(s).get("type").asString())
                .containsExactly("batch.completed", "batch.completed", "ingestion.completed");
        Webhook reference = new Webhook(SECRET);
        for (Sent each : sent) {
            assertThat(each.url()).isEqualTo(HOOKS);
            assertThat(each.headers().get("webhook-timestamp"))
                    .isEqualTo(Long.toString(clock.instant().getEpochSecond()));
            assertThatCode(() -> reference.verify(each.body(), each.httpHeaders()))
                    .doesNotThrowAnyException();
        }
        JsonNode secondBatch = json(sent.get(1)).get("data");
        assertThat(secondBatch.get("ingestion_id").asString()).isEqualTo(id.toString());
        assertThat(secondBatch.get("batch").get("ids").toString()).isEqualTo("[4]");
        assertThat(secondBatch.get("batch").get("status").asString()).isEqualTo("completed");
        JsonNode done = json(sent.get(2)).get("data");
        assertThat(done.get("status").asString()).isEqualTo("completed");
        assertThat(done.get("ids").asInt()).isEqualTo(4);
        assertThat(done.get("batches").asInt()).isEqualTo(2);
        assertThat(done.get("links").get("records").asString())
                .as("absolute with INGEST_PUBLIC_URL")
                .isEqualTo("https://ingest.example.com/ingestions/" + id + "/records");
        assertThat(done.has("records")).isFalse();
        assertThat(outbox.ofIngestion(id))
                .extracting(WebhookOutbox.Delivery::state)
                .containsOnly(State.DELIVERED);
    }

    @Test
    void anIngestionWithoutACallbackOrEventsItDidNotAskForSendsNothing() {
        completed(null, null, 1, 2, 3);
        completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 4, 5, 6, 7);

        assertThat(deliverer.deliverOnce()).isEqualTo(1);
        assertThat(json(client.sent.get(0)).get("type").asString()).isEqualTo("ingestion.completed");
    }

    @Test
    void failedAttemptsAreRetriedOnTheScheduleWithTheSameWebhookIdUntilTheAttemptsRunOut() {
        UUID id = completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 1);
        client.answerAlways(WebhookClient.Answer.status(500, null));
        List<Duration> schedule = List.of(
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                Duration.ofMinutes(30),
                Duration.ofHours(2),
                Duration.ofHours(5),
                Duration.ofHours(10),
                Duration.ofHours(10));

        assertThat(deliverer.deliverOnce()).isEqualTo(1);
        for (Duration wait : schedule) {
            clock.advance(wait.minusMillis(1));
            assertThat(deliverer.deliverOnce())
                    .as("a millisecond before %s", wait)
                    .isZero();
            clock.advance(Duration.ofMillis(1));
            assertThat(deliverer.deliverOnce()).as("at %s", wait).isEqualTo(1);
        }
        clock.advance(Duration.ofDays(2));
        assertThat(deliverer.deliverOnce()).isZero();

        assertThat(client.sent).hasSize(8);
        assertThat(client.sent)
                .extracting(s -> s.headers().get("webhook-id"))
                .containsOnly("msg_" + id.toString().replace("-", "") + "_" + lastEventSeq(id));
        assertThat(client.sent)
                .extracting(Sent::body)
                .containsOnly(client.sent.get(0).body());
        WebhookOutbox.Delivery delivery = outbox.ofIngestion(id).get(0);
        assertThat(delivery.state()).isEqualTo(State.FAILED);
        assertThat(delivery.attempts()).isEqualTo(8);
        assertThat(delivery.nextAttemptAt()).isNull();
        assertThat(delivery.history())
                .extracting(WebhookOutbox.Attempt::statusCode)
                .containsOnly(500);
        assertThat(delivery.history()).extracting(WebhookOutbox.Attempt::error).containsOnly("HTTP 500");
    }

    @Test
    void aRetryAfterIsHonouredEvenWhenShorterThanTheNextStep() {
        UUID id = completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 1);
        client.answerNext(WebhookClient.Answer.status(503, Duration.ofSeconds(5)));
        client.answerNext(WebhookClient.Answer.status(429, Duration.ofSeconds(2)));
        deliverer.deliverOnce();
        clock.advance(Duration.ofSeconds(5));
        deliverer.deliverOnce(); // the second attempt: the schedule says 5 min next, the receiver 2 s

        assertThat(outbox.ofIngestion(id).get(0).nextAttemptAt())
                .isEqualTo(clock.instant().plusSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        assertThat(deliverer.deliverOnce()).isEqualTo(1);
        assertThat(outbox.ofIngestion(id).get(0).state()).isEqualTo(State.DELIVERED);
    }

    @Test
    void aTimeoutOrARefusedConnectionIsAFailedAttemptLikeAnyOther() {
        UUID id = completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 1);
        client.answerNext(WebhookClient.Answer.failed("no answer within 15000 ms"));

        deliverer.deliverOnce();

        WebhookOutbox.Delivery delivery = outbox.ofIngestion(id).get(0);
        assertThat(delivery.state()).isEqualTo(State.PENDING);
        assertThat(delivery.nextAttemptAt()).isEqualTo(clock.instant().plusSeconds(5));
        assertThat(delivery.history().get(0).statusCode()).isNull();
        assertThat(delivery.history().get(0).error()).isEqualTo("no answer within 15000 ms");
    }

    @Test
    void a410StopsEverythingToThatUrlPendingAndToCome() {
        URI other = URI.create("https://other.example.com/hooks");
        UUID first = completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 1);
        client.answerNext(WebhookClient.Answer.status(500, Duration.ofHours(1)));
        deliverer.deliverOnce();
        UUID second = completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 2);
        UUID elsewhere = completed(other, Set.of(EventKind.INGESTION_COMPLETED), 3);
        client.answerNext(WebhookClient.Answer.status(410, null)); // the second's first attempt
        client.answerNext(WebhookClient.Answer.status(200, null)); // elsewhere

        assertThat(deliverer.deliverOnce()).isEqualTo(2);
        UUID third = completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 4);
        clock.advance(Duration.ofDays(1));
        assertThat(deliverer.deliverOnce()).isZero();

        assertThat(outbox.ofIngestion(second).get(0).state()).isEqualTo(State.GONE);
        assertThat(outbox.ofIngestion(first).get(0).state()).isEqualTo(State.DROPPED);
        assertThat(outbox.ofIngestion(first).get(0).nextAttemptAt()).isNull();
        assertThat(outbox.ofIngestion(third).get(0).state()).isEqualTo(State.DROPPED);
        assertThat(outbox.ofIngestion(elsewhere).get(0).state()).isEqualTo(State.DELIVERED);
    }

    @Test
    void aDeliveryClaimedByAnInstanceThatDiedIsAttemptedByAnotherOnceItsLeaseRunsOut() {
        UUID id = completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 1);
        assertThat(deliverer.claim(10)).hasSize(1); // and then the instance died
        Deliverer survivor = deliverer("instance-b");

        assertThat(survivor.deliverOnce()).isZero();
        clock.advance(Duration.ofSeconds(60));
        assertThat(survivor.deliverOnce()).isEqualTo(1);

        assertThat(outbox.ofIngestion(id).get(0).state()).isEqualTo(State.DELIVERED);
    }

    @Test
    void theAttemptOfAnInstanceWhoseLeaseWasTakenOverIsNotRecordedTwice() {
        UUID id = completed(HOOKS, Set.of(EventKind.INGESTION_COMPLETED), 1);
        WebhookOutbox.Due slow = deliverer.claim(10).get(0);
        clock.advance(Duration.ofSeconds(61));
        assertThat(deliverer("instance-b").deliverOnce()).isEqualTo(1);

        deliverer.attempt(slow); // its answer came after all

        WebhookOutbox.Delivery delivery = outbox.ofIngestion(id).get(0);
        assertThat(delivery.state()).isEqualTo(State.DELIVERED);
        assertThat(delivery.attempts()).isEqualTo(1);
        assertThat(delivery.history()).hasSize(1);
    }

    /**
     * Stores an ingestion with batches of 3 and completes each batch at a slot of its own, the
     * clock moved on to it where it is not there yet.
     */
    private UUID completed(URI url, Set<EventKind> events, int... ids) {
        UUID id = UUID.randomUUID();
        Callback callback = url == null ? null : new Callback(url, events);
        store.insertIngestion(new NewIngestion(id, Priority.HIGH, 3, ids, clock.instant(), null, null, callback));
        for (int index = 0; index * 3 < ids.length; index++) {
            if (clock.instant().isBefore(nextSlot)) {
                clock.set(nextSlot);
            }
            Instant at = clock.instant();
            assertThat(store.claim(() -> at, RATE, "dispatcher", Duration.ofSeconds(30)))
                    .isInstanceOf(Claim.Started.class);
            nextSlot = at.plus(RATE.floor());
            for (int position = index * 3; position < Math.min(ids.length, index * 3 + 3); position++) {
                store.saveRecord(id, index, position, "{\"id\":" + ids[position] + "}", at);
            }
        }
        return id;
    }

    private int lastEventSeq(UUID id) {
        return outbox.ofIngestion(id).get(0).seq();
    }

    private static JsonNode json(Sent sent) {
        return JsonMapper.shared().readTree(sent.body());
    }

    record Sent(URI url, Map<String, String> headers, String body, Instant at) {

        HttpHeaders httpHeaders() {
            Map<String, List<String>> map = new java.util.HashMap<>();
            headers.forEach((name, value) -> map.put(name, List.of(value)));
            return HttpHeaders.of(map, (a, b) -> true);
        }
    }

    /** Answers from a script, 200 once it runs out; records what was sent. */
    static final class ScriptedClient implements WebhookClient {

        final List<Sent> sent = new ArrayList<>();
        private final Deque<Answer> script = new ArrayDeque<>();
        private final Clock clock;
        private Answer always;

        ScriptedClient(Clock clock) {
            this.clock = clock;
        }

        void answerNext(Answer answer) {
            script.add(answer);
        }

        void answerAlways(Answer answer) {
            always = answer;
        }

        @Override
        public Answer post(URI url, Map<String, String> headers, byte[] body) {
            sent.add(new Sent(url, headers, new String(body, StandardCharsets.UTF_8), clock.instant()));
            Answer next = script.poll();
            return next != null ? next : always != null ? always : Answer.status(200, null);
        }
    }
}
