package dev.ingestion.settings;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Completion webhooks (issue 15). The secret is checked and kept by {@code webhooks.Signatures};
 * this record never prints it.
 *
 * @param secret {@code whsec_...} secrets, space-separated while rotating; empty: callback_url is
 *     refused, since an unsigned webhook is one any sender could forge
 * @param allowPrivate whether callback URLs may point at loopback, link-local or private addresses
 * @param maxAttempts attempts per event before its delivery is given up
 * @param retryBase the schedule's first step; the others keep their proportions (5 s: 5 s, 5 min,
 *     30 min, 2 h, 5 h, 10 h)
 * @param timeout how long an attempt waits for the receiver's answer
 * @param senders attempts under way at once on one instance
 * @param publicUrl where clients reach the service (`https://ingest.example.com`), for absolute
 *     links in payloads; empty: the links are paths
 */
@ConfigurationProperties("ingest.webhook")
public record WebhookSettings(
        String secret,
        boolean allowPrivate,
        int maxAttempts,
        Duration retryBase,
        Duration timeout,
        int senders,
        String publicUrl) {

    public WebhookSettings {
        secret = secret == null ? "" : secret.strip();
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("INGEST_WEBHOOK_MAX_ATTEMPTS must be 1 or more, got " + maxAttempts);
        }
        if (retryBase == null || retryBase.isNegative() || retryBase.isZero()) {
            throw new IllegalArgumentException(
                    "INGEST_WEBHOOK_RETRY_BASE must be a positive duration, got " + retryBase);
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("INGEST_WEBHOOK_TIMEOUT must be a positive duration, got " + timeout);
        }
        if (senders < 1) {
            throw new IllegalArgumentException("INGEST_WEBHOOK_SENDERS must be 1 or more, got " + senders);
        }
        publicUrl = publicUrl == null ? "" : publicUrl.strip().replaceAll("/+$", "");
        if (!publicUrl.isEmpty() && !publicUrl.matches("(?i)https?://[^/?#\\s]+(/[^?#\\s]*)?")) {
            throw new IllegalArgumentException(
                    "INGEST_PUBLIC_URL must be an http or https URL without query or fragment, got " + publicUrl);
        }
    }

    public boolean enabled() {
        return !secret.isEmpty();
    }

    @Override
    public String toString() {
        return "WebhookSettings[secret=%s, allowPrivate=%s, maxAttempts=%d, retryBase=%s, timeout=%s, senders=%d]"
                .formatted(enabled() ? "(hidden)" : "none", allowPrivate, maxAttempts, retryBase, timeout, senders);
    }
}
