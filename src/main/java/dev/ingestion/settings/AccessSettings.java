package dev.ingestion.settings;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may use the API and how much. The key pairs are read once at start-up (see
 * {@code access.ApiKeys}, which keeps only their hashes); this record never prints them.
 *
 * @param apiKeys {@code name:secret[:admin]} pairs, comma-separated; empty: keys are off
 * @param apiKeysFile a file with one pair a line, for secrets mounted as files; empty: none
 * @param maxWaitingIdsPerKey the most ids of one key that may wait for an outcome; 0: no cap
 */
@ConfigurationProperties("ingest.access")
public record AccessSettings(String apiKeys, String apiKeysFile, long maxWaitingIdsPerKey) {

    public AccessSettings {
        apiKeys = apiKeys == null ? "" : apiKeys;
        apiKeysFile = apiKeysFile == null ? "" : apiKeysFile;
        if (maxWaitingIdsPerKey < 0) {
            throw new IllegalArgumentException(
                    "INGEST_MAX_WAITING_IDS_PER_KEY must be 0 (no cap) or more, got " + maxWaitingIdsPerKey);
        }
    }

    @Override
    public String toString() {
        return "AccessSettings[apiKeys=%s, apiKeysFile=%s, maxWaitingIdsPerKey=%d]"
                .formatted(apiKeys.isBlank() ? "none" : "(hidden)", apiKeysFile, maxWaitingIdsPerKey);
    }
}
