package dev.ingestion.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;

/**
 * Our signatures against the Standard Webhooks reference library for Java, an implementation that is
 * not ours, and against the test vector the spec's libraries share: a receiver must need nothing but
 * the spec to verify what we send.
 */
class SignaturesTest {

    /** The shared vector, from the reference libraries' tests (Java's WebhookTest.verifyWebhookSignWorks). */
    static final String VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long VECTOR_TIMESTAMP = 1614265330;
    static final String VECTOR_BODY = "{\"test\": 2432232314}";
    static final String VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    static final String BODY =
            "{\"type\":\"ingestion.completed\",\"data\":{\"ingestion_id\":\"0190c3\",\"note\":\"héllo ✓\"}}";

    static Map<String, List<String>> headers(String id, long timestamp, String signature) {
        return Map.of(
                "webhook-id", List.of(id),
                "webhook-timestamp", List.of(Long.toString(timestamp)),
                "webhook-signature", List.of(signature));
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    @Test
    void theSpecsTestVectorSignsToThePublishedSignature() {
        assertThat(Signatures.parse(VECTOR_SECRET).sign(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY))
                .isEqualTo(VECTOR_SIGNATURE);
    }

    @Test
    void theReferenceLibrarySignsTheVectorAlikeSoTheVectorIsTheSpecsNotOurs() throws Exception {
        assertThat(new Webhook(VECTOR_SECRET).sign(VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY))
                .isEqualTo(VECTOR_SIGNATURE);
    }

    @Test
    void theReferenceLibraryVerifiesWhatWeSign() {
        String secret = Signatures.newSecret();
        long timestamp = now();

        String signature = Signatures.parse(secret).sign("evt_1", timestamp, BODY);

        assertThatCode(() -> new Webhook(secret).verify(BODY, headers("evt_1", timestamp, signature)))
                .doesNotThrowAnyException();
    }

    @Test
    void theReferenceLibraryRefusesASignatureOverAnotherBodyIdOrTimestamp() throws Exception {
        String secret = Signatures.newSecret();
        long timestamp = now();
        String signature = Signatures.parse(secret).sign("evt_1", timestamp, BODY);
        Webhook webhook = new Webhook(secret);

        assertThatThrownBy(() -> webhook.verify(BODY + " ", headers("evt_1", timestamp, signature)))
                .isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> webhook.verify(BODY, headers("evt_2", timestamp, signature)))
                .isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> webhook.verify(BODY, headers("evt_1", timestamp - 1, signature)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void aSignatureIsMadeWithEverySecretWhileRotatingInTheOrderGiven() throws Exception {
        String current = Signatures.newSecret();
        String previous = Signatures.newSecret();
        long timestamp = now();

        String header = Signatures.parse(current + "  " + previous).sign("evt_1", timestamp, BODY);

        assertThat(header.split(" "))
                .containsExactly(
                        new Webhook(current).sign("evt_1", timestamp, BODY),
                        new Webhook(previous).sign("evt_1", timestamp, BODY));
    }

    @Test
    void whileRotatingAReceiverHoldingEitherSecretAloneVerifies() {
        String current = Signatures.newSecret();
        String previous = Signatures.newSecret();
        long timestamp = now();
        String header = Signatures.parse(current + " " + previous).sign("evt_1", timestamp, BODY);

        assertThatCode(() -> new Webhook(current).verify(BODY, headers("evt_1", timestamp, header)))
                .doesNotThrowAnyException();
        assertThatCode(() -> new Webhook(previous).verify(BODY, headers("evt_1", timestamp, header)))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> new Webhook(Signatures.newSecret()).verify(BODY, headers("evt_1", timestamp, header)))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void secretsMaySitOnSeveralLinesOrBehindTabs() {
        String a = Signatures.newSecret();
        String b = Signatures.newSecret();

        assertThat(Signatures.parse("\n " + a + "\t\n" + b + " ").sign("evt_1", 1, "{}"))
                .isEqualTo(Signatures.parse(a + " " + b).sign("evt_1", 1, "{}"));
    }

    @Test
    void aNewSecretIsThirtyTwoRandomBytesThatParse() {
        String one = Signatures.newSecret();
        String other = Signatures.newSecret();

        assertThat(one).startsWith("whsec_").isNotEqualTo(other);
        assertThat(Base64.getDecoder().decode(one.substring("whsec_".length()))).hasSize(32);
        assertThatCode(() -> Signatures.parse(one)).doesNotThrowAnyException();
    }

    @Test
    void secretsOfTwentyFourToSixtyFourBytesAreTakenAndOthersRefused() {
        assertThatCode(() -> Signatures.parse(secretOf(24))).doesNotThrowAnyException();
        assertThatCode(() -> Signatures.parse(secretOf(64))).doesNotThrowAnyException();
        assertThatThrownBy(() -> Signatures.parse(secretOf(23)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decodes to 23 bytes")
                .hasMessageContaining("24 to 64");
        assertThatThrownBy(() -> Signatures.parse(secretOf(65)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("decodes to 65 bytes");
    }

    @Test
    void aMalformedSettingIsRefusedWithAMessageThatNeverQuotesTheSecret() {
        String good = Signatures.newSecret();
        String key = good.substring("whsec_".length());
        Map<String, String> refusals = Map.of(
                "",
                "is empty",
                "   ",
                "is empty",
                key,
                "must start with whsec_",
                "whsek_" + key,
                "must start with whsec_",
                good + " " + key,
                "secret 2 must start with whsec_",
                "whsec_" + key.replace('A', '-').replace('a', '-') + "-",
                "is not valid base64",
                "whsec_" + key + "%%",
                "is not valid base64",
                good + " " + good,
                "secret 2 repeats an earlier secret");

        refusals.forEach((setting, expected) -> {
            Throwable refusal = catchThrowable(() -> Signatures.parse(setting));
            assertThat(refusal).as(expected).isInstanceOf(IllegalArgumentException.class);
            assertThat(refusal.getMessage()).contains(expected).doesNotContain(key.substring(0, 8));
            assertThat(refusal.getCause()).isNull();
        });
        assertThatThrownBy(() -> Signatures.parse(null)).hasMessageContaining("is empty");
    }

    @Test
    void itsTextTellsHowManySecretsNotWhichOnes() {
        String a = Signatures.newSecret();
        String b = Signatures.newSecret();

        assertThat(Signatures.parse(a + " " + b).toString())
                .isEqualTo("Signatures[2 secrets]")
                .doesNotContain(a.substring(6, 14));
        assertThat(Signatures.parse(a)).hasToString("Signatures[1 secret]");
    }

    @Test
    void anIdWithAFullStopIsRefusedSinceIdTimestampAndBodyMustSplitOneWay() {
        Signatures signatures = Signatures.parse(Signatures.newSecret());

        assertThatThrownBy(() -> signatures.sign("evt.1", 1, "{}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> signatures.sign("", 1, "{}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> signatures.sign("evt_1", -1, "{}")).isInstanceOf(IllegalArgumentException.class);
    }

    static String secretOf(int bytes) {
        byte[] key = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            key[i] = (byte) (i * 7 + 1);
        }
        return "whsec_" + Base64.getEncoder().encodeToString(key);
    }
}
