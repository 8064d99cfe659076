package dev.ingestion.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

/** The receiver's verification that docs/WEBHOOKS.md shows, kept here word for word so that it stays true. */
class ReadmeExamplesTest {

    static boolean verify(String secret, String id, String timestamp, String body, String signatures) throws Exception {
        if (Math.abs(Instant.now().getEpochSecond() - Long.parseLong(timestamp)) > 300) {
            return false; // more than 5 minutes off: a replay, or a clock to fix
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        byte[] expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
        for (String signature : signatures.split(" ")) {
            if (signature.startsWith("v1,")
                    && MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(3)))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void theDocumentedVerificationTakesWhatTheServiceSignsWithEitherSecretWhileRotating() throws Exception {
        String current = Signatures.newSecret();
        String previous = Signatures.newSecret();
        String timestamp = Long.toString(Instant.now().getEpochSecond());
        String body = "{\"type\":\"ingestion.completed\",\"data\":{\"ingestion_id\":\"x\"}}";
        String header = Signatures.parse(current + " " + previous).sign("msg_1_9", Long.parseLong(timestamp), body);

        assertThat(verify(current, "msg_1_9", timestamp, body, header)).isTrue();
        assertThat(verify(previous, "msg_1_9", timestamp, body, header)).isTrue();
        assertThat(verify(Signatures.newSecret(), "msg_1_9", timestamp, body, header))
                .isFalse();
        assertThat(verify(current, "msg_1_9", timestamp, body + " ", header)).isFalse();
        assertThat(verify(current, "msg_1_9", Long.toString(Long.parseLong(timestamp) - 301), body, header))
                .isFalse();
    }

    @Test
    void theDocumentedVerificationTakesTheSpecsTestVectorButForItsAge() throws Exception {
        // The vector is from 2021: past the 5-minute window, so only the HMAC part is checked here.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), "HmacSHA256"));
        byte[] expected = mac.doFinal(
                "msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));

        assertThat(Base64.getEncoder().encodeToString(expected))
                .isEqualTo("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assertThat(verify(
                        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                        "msg_p5jXN8AQM9LWM0D4loKWxJek",
                        "1614265330",
                        "{\"test\": 2432232314}",
                        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
                .as("refused for its age")
                .isFalse();
    }
}
