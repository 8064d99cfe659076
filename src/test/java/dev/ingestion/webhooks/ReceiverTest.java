package dev.ingestion.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The test receiver itself: it must tell a good signature from a bad one, or the webhook tests prove nothing. */
class ReceiverTest {

    static final String SECRET = Signatures.newSecret();
    static final String BODY = "{\"type\":\"ingestion.completed\",\"data\":{\"ingestion_id\":\"0190c3\"}}";

    final Receiver receiver = Receiver.start(SECRET);

    @AfterEach
    void stop() {
        receiver.close();
    }

    static HttpClient client() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    static HttpResponse<Void> post(URI url, String id, long timestamp, String signature, String body)
            throws IOException, InterruptedException {
        return client().send(
                        request(url, id, timestamp, signature, body).build(), HttpResponse.BodyHandlers.discarding());
    }

    static HttpRequest.Builder request(URI url, String id, long timestamp, String signature, String body) {
        return HttpRequest.newBuilder(url)
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    static String signed(String secrets, String id, long timestamp, String body) {
        return Signatures.parse(secrets).sign(id, timestamp, body);
    }

    @Test
    void aDeliverySignedWithItsSecretIsRecordedVerified() throws Exception {
        long timestamp = now();
        Instant before = Instant.ofEpochSecond(timestamp);

        HttpResponse<Void> response =
                post(receiver.url("/hooks"), "evt_1", timestamp, signed(SECRET, "evt_1", timestamp, BODY), BODY);

        assertThat(response.statusCode()).isEqualTo(200);
        Receiver.Delivery delivery =
                receiver.awaitDeliveries(1, Duration.ofSeconds(5)).get(0);
        assertThat(delivery.verified()).isTrue();
        assertThat(delivery.signatureMatches()).isTrue();
        assertThat(delivery.verificationFailure()).isNull();
        assertThat(delivery.method()).isEqualTo("POST");
        assertThat(delivery.path()).isEqualTo("/hooks");
        assertThat(delivery.webhookId()).isEqualTo("evt_1");
        assertThat(delivery.webhookTimestamp()).isEqualTo(Long.toString(timestamp));
        assertThat(delivery.body()).isEqualTo(BODY);
        assertThat(delivery.header("Content-Type")).isEqualTo("application/json");
        assertThat(delivery.answeredWith()).isEqualTo(200);
        assertThat(delivery.arrivedAt()).isBetween(before, Instant.ofEpochSecond(now() + 1));
    }

    @Test
    void aSignatureOverAnotherBodyOrWithAnotherSecretIsRecordedAsBad() throws Exception {
        long timestamp = now();
        post(receiver.url("/"), "evt_1", timestamp, signed(SECRET, "evt_1", timestamp, BODY + " "), BODY);
        post(receiver.url("/"), "evt_2", timestamp, signed(Signatures.newSecret(), "evt_2", timestamp, BODY), BODY);
        post(receiver.url("/"), "evt_3", timestamp, "v1,bm90IGEgc2lnbmF0dXJl", BODY);

        List<Receiver.Delivery> deliveries = receiver.awaitDeliveries(3, Duration.ofSeconds(5));

        assertThat(deliveries).allSatisfy(delivery -> {
            assertThat(delivery.verified()).isFalse();
            assertThat(delivery.signatureMatches()).isFalse();
            assertThat(delivery.verificationFailure()).isEqualTo("No matching signature found");
        });
    }

    @Test
    void anOldTimestampFailsVerificationThoughTheSignatureMatches() throws Exception {
        long anHourAgo = now() - 3600;

        post(receiver.url("/"), "evt_1", anHourAgo, signed(SECRET, "evt_1", anHourAgo, BODY), BODY);

        Receiver.Delivery delivery =
                receiver.awaitDeliveries(1, Duration.ofSeconds(5)).get(0);
        assertThat(delivery.verified()).isFalse();
        assertThat(delivery.verificationFailure()).isEqualTo("Message timestamp too old");
        assertThat(delivery.signatureMatches()).isTrue();
    }

    @Test
    void aReceiverHoldingOnlyTheOldSecretVerifiesWhileTheSenderRotates() throws Exception {
        String fresh = Signatures.newSecret();
        long timestamp = now();

        post(receiver.url("/"), "evt_1", timestamp, signed(fresh + " " + SECRET, "evt_1", timestamp, BODY), BODY);
        post(receiver.url("/"), "evt_2", timestamp, signed(fresh, "evt_2", timestamp, BODY), BODY);

        List<Receiver.Delivery> deliveries = receiver.awaitDeliveries(2, Duration.ofSeconds(5));
        assertThat(deliveries.get(0).verified()).isTrue();
        assertThat(deliveries.get(1).verified()).isFalse();
    }

    @Test
    void scriptedAnswersComeInOrderThenTheStandingOne() throws Exception {
        receiver.answerAlways(503);
        receiver.answerNext(429, "7");
        receiver.answerNext(410);
        long timestamp = now();
        String signature = signed(SECRET, "evt_1", timestamp, BODY);

        HttpResponse<Void> first = post(receiver.url("/"), "evt_1", timestamp, signature, BODY);
        HttpResponse<Void> second = post(receiver.url("/"), "evt_1", timestamp, signature, BODY);
        HttpResponse<Void> third = post(receiver.url("/"), "evt_1", timestamp, signature, BODY);
        HttpResponse<Void> fourth = post(receiver.url("/"), "evt_1", timestamp, signature, BODY);

        assertThat(List.of(first.statusCode(), second.statusCode(), third.statusCode(), fourth.statusCode()))
                .containsExactly(429, 410, 503, 503);
        assertThat(first.headers().firstValue("Retry-After")).contains("7");
        assertThat(second.headers().firstValue("Retry-After")).isEmpty();
        assertThat(receiver.awaitDeliveries(4, Duration.ofSeconds(5)))
                .extracting(Receiver.Delivery::answeredWith)
                .containsExactly(429, 410, 503, 503);
    }

    @Test
    void aHeldAnswerLetsTheSendersTimeoutFireAndTheRequestIsStillRecorded() throws Exception {
        receiver.answerNextAfter(Duration.ofSeconds(2), 200);
        long timestamp = now();
        HttpRequest request = request(
                        receiver.url("/"), "evt_1", timestamp, signed(SECRET, "evt_1", timestamp, BODY), BODY)
                .timeout(Duration.ofMillis(300))
                .build();

        assertThatThrownBy(() -> client().send(request, HttpResponse.BodyHandlers.discarding()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(receiver.awaitDeliveries(1, Duration.ofSeconds(5)).get(0).verified())
                .isTrue();
    }

    @Test
    void downRefusesConnectionsAndUpListensAgainOnTheSamePort() throws Exception {
        URI url = receiver.url("/hooks");
        long timestamp = now();
        String signature = signed(SECRET, "evt_1", timestamp, BODY);
        assertThat(post(url, "evt_1", timestamp, signature, BODY).statusCode()).isEqualTo(200);

        receiver.down();
        assertThatThrownBy(() -> post(url, "evt_1", timestamp, signature, BODY)).isInstanceOf(IOException.class);

        receiver.up();
        assertThat(receiver.url("/hooks")).isEqualTo(url);
        assertThat(post(url, "evt_1", timestamp, signature, BODY).statusCode()).isEqualTo(200);
        assertThat(receiver.awaitDeliveries(2, Duration.ofSeconds(5))).hasSize(2);
    }

    @Test
    void awaitingReturnsAsSoonAsADeliveryArrivesFromAnotherThread() throws Exception {
        long timestamp = now();
        String signature = signed(SECRET, "evt_1", timestamp, BODY);
        CompletableFuture<Void> later = CompletableFuture.runAsync(
                () -> {
                    try {
                        post(receiver.url("/"), "evt_1", timestamp, signature, BODY);
                    } catch (IOException | InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                },
                CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));

        assertThat(receiver.awaitDeliveries(1, Duration.ofSeconds(10))).hasSize(1);
        later.get(5, TimeUnit.SECONDS);
    }

    @Test
    void awaitingMoreThanArrivesFailsAtTheDeadlineListingWhatArrived() throws Exception {
        long timestamp = now();
        post(receiver.url("/"), "evt_1", timestamp, signed(SECRET, "evt_1", timestamp, BODY), BODY);
        receiver.awaitDeliveries(1, Duration.ofSeconds(5));

        assertThatThrownBy(() -> receiver.awaitDeliveries(2, Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("got 1 of 2 deliveries within PT0.2S")
                .hasMessageContaining("webhook-id=evt_1")
                .hasMessageContaining("verified");
    }
}
