package dev.ingestion.ingest;

import java.time.Duration;

/**
 * The cap on a key's ids that wait for an outcome (INGEST_MAX_WAITING_IDS_PER_KEY; 0: none), and
 * when a refused request is worth sending again.
 */
public record Quota(long maxWaitingIds, int batchSize, Duration interval) {

    boolean on() {
        return maxWaitingIds > 0;
    }

    /** A request that could never fit, however long it waited. */
    boolean neverFits(int ids) {
        return on() && ids > maxWaitingIds;
    }

    /**
     * How long until enough of the key's ids have an outcome for this request to fit, were every
     * slot the key's: the soonest it could, so a client that waits this long does not wait too
     * long. At least a second, the unit of {@code Retry-After}.
     */
    long retryAfterSeconds(long waitingIds, int ids) {
        long excess = waitingIds + ids - maxWaitingIds;
        long slots = (excess + batchSize - 1) / batchSize;
        long millis = slots * interval.toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }
}
