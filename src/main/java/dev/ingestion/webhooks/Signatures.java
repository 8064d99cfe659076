package dev.ingestion.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook deliveries as Standard Webhooks 1.0 specifies, so a receiver needs nothing but the
 * spec (or any of its libraries) to verify them: the {@code webhook-signature} header is {@code
 * v1,<base64 HMAC-SHA256 of "id.timestamp.body">}, one entry per secret. Several secrets sign at
 * once while a secret is being rotated, so receivers holding either the old or the new one keep
 * verifying without a gap.
 *
 * <p>The secrets are held only as keys: {@link #toString()} tells how many there are and nothing
 * more, and no message of {@link #parse} quotes them, because both end up in logs and startup
 * failure reports, where a secret would be as good as published.
 */
public final class Signatures {

    public static final String PREFIX = "whsec_";
    /** The spec asks for at least 192 bits: shorter keys could be guessed offline from one signed delivery. */
    static final int MIN_KEY_BYTES = 24;
    /** The spec's upper bound, 512 bits: HMAC-SHA256 would hash a longer key down anyway. */
    static final int MAX_KEY_BYTES = 64;

    private static final String HMAC_SHA256 = "HmacSHA256";
    private static final int NEW_SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<SecretKeySpec> keys;

    private Signatures(List<SecretKeySpec> keys) {
        this.keys = List.copyOf(keys);
    }

    /**
     * Reads INGEST_WEBHOOK_SECRET: one or more secrets separated by spaces, each {@code whsec_}
     * followed by the base64 of 24 to 64 random bytes. While rotating, list the new secret and the
     * old one; drop the old one once every receiver has the new.
     *
     * @throws IllegalArgumentException naming which secret is wrong and how, never quoting it
     */
    public static Signatures parse(String setting) {
        if (setting == null || setting.isBlank()) {
            throw new IllegalArgumentException(
                    "INGEST_WEBHOOK_SECRET is empty: give one or more whsec_ secrets separated by spaces");
        }
        String[] secrets = setting.strip().split("\\s+");
        List<SecretKeySpec> keys = new ArrayList<>();
        List<byte[]> seen = new ArrayList<>();
        for (int i = 0; i < secrets.length; i++) {
            String which = secrets.length == 1 ? "INGEST_WEBHOOK_SECRET" : "INGEST_WEBHOOK_SECRET's secret " + (i + 1);
            String secret = secrets[i];
            if (!secret.startsWith(PREFIX)) {
                throw new IllegalArgumentException(which + " must start with " + PREFIX + " (then the key in base64)");
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
            } catch (IllegalArgumentException e) {
                // the decoder's own message quotes the offending character, a piece of the secret
                throw new IllegalArgumentException(which + " is not valid base64 after " + PREFIX);
            }
            if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
                throw new IllegalArgumentException(
                        which + " decodes to " + key.length + " bytes; Standard Webhooks asks for " + MIN_KEY_BYTES
                                + " to " + MAX_KEY_BYTES + " random bytes (32 is usual)");
            }
            for (byte[] earlier : seen) {
                if (MessageDigest.isEqual(earlier, key)) {
                    throw new IllegalArgumentException(which + " repeats an earlier secret");
                }
            }
            seen.add(key);
            keys.add(new SecretKeySpec(key, HMAC_SHA256));
        }
        return new Signatures(keys);
    }

    /** A fresh secret of 32 random bytes in the spec's serialization, ready for INGEST_WEBHOOK_SECRET. */
    public static String newSecret() {
        byte[] key = new byte[NEW_SECRET_BYTES];
        RANDOM.nextBytes(key);
        return PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /**
     * The {@code webhook-signature} header's value for one attempt: a {@code v1,} signature per
     * secret, space-separated, in the order the setting gave them.
     *
     * @param webhookId the event's id, the same on every attempt; the spec forbids a '.' in it,
     *     since "id.timestamp.body" must split one way only
     * @param timestampSeconds the attempt's time in Unix seconds, sent as {@code webhook-timestamp}
     * @param body exactly the bytes sent, as a string: receivers verify what they received, so a
     *     body re-serialized after signing would fail
     */
    public String sign(String webhookId, long timestampSeconds, String body) {
        Objects.requireNonNull(body, "body");
        if (webhookId == null || webhookId.isEmpty() || webhookId.indexOf('.') >= 0) {
            throw new IllegalArgumentException("a webhook id must be non-empty and carry no '.'");
        }
        if (timestampSeconds < 0) {
            throw new IllegalArgumentException("a webhook timestamp is Unix seconds, not negative");
        }
        byte[] content = (webhookId + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8);
        StringBuilder header = new StringBuilder();
        for (SecretKeySpec key : keys) {
            if (header.length() > 0) {
                header.append(' ');
            }
            header.append("v1,").append(Base64.getEncoder().encodeToString(hmac(key, content)));
        }
        return header.toString();
    }

    private static byte[] hmac(SecretKeySpec key, byte[] content) {
        try {
            // a Mac is stateful and not thread-safe; a new one per signature is cheap next to a POST
            Mac mac = Mac.getInstance(HMAC_SHA256);
            mac.init(key);
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK, yet: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Signatures[" + keys.size() + (keys.size() == 1 ? " secret]" : " secrets]");
    }
}
