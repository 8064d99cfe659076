package dev.ingestion.settings;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.SlotOrder;

/**
 * Every knob, bound from the environment variables named in application.properties. A bare
 * number of a duration means seconds.
 */
@ConfigurationProperties("ingest")
public record IngestSettings(
        @DurationUnit(ChronoUnit.SECONDS) Duration interval,
        int batchSize,
        @DurationUnit(ChronoUnit.SECONDS) Duration upstreamDelay,
        int maxIds,
        DataSize maxBody,
        String dbUrl,
        String dbUser,
        String dbPassword,
        @DurationUnit(ChronoUnit.SECONDS) Duration lease,
        boolean adoptSettings,
        @DurationUnit(ChronoUnit.SECONDS) Duration retryBackoff,
        int maxAttempts,
        @DurationUnit(ChronoUnit.SECONDS) Duration maxInterval,
        int acceptStatus,
        @DurationUnit(ChronoUnit.SECONDS) Duration drainTimeout,
        @DurationUnit(ChronoUnit.SECONDS) Duration bodyTimeout,
        @DurationUnit(ChronoUnit.SECONDS) Duration retention,
        @DurationUnit(ChronoUnit.SECONDS) Duration idempotencyTtl,
        boolean packing,
        String fairness) {

    /** How far throttling may stretch the interval when INGEST_MAX_INTERVAL is not set (or the interval, if longer). */
    static final Duration DEFAULT_MAX_INTERVAL = Duration.ofMinutes(2);

    /**
     * How long running batches get on shutdown when INGEST_DRAIN_TIMEOUT is not set: twice the
     * default upstream timeout, and with the hand-back well inside the 30 s a platform usually
     * waits after SIGTERM.
     */
    static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(20);

    /** How long a request body may take to arrive whole when INGEST_BODY_TIMEOUT is not set. */
    static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);

    static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    static final Duration DEFAULT_IDEMPOTENCY_TTL = Duration.ofHours(24);
    /**
     * A batch's last writes can come a little after it completed (a run its lease outlived), so a
     * purge must not follow a completion within seconds.
     */
    static final Duration SHORTEST_RETENTION = Duration.ofMinutes(1);

    public IngestSettings {
        require(interval != null && interval.toMillis() >= 1, "INGEST_INTERVAL must be at least 1ms, got " + interval);
        require(batchSize >= 1, "INGEST_BATCH_SIZE must be at least 1, got " + batchSize);
        require(
                upstreamDelay != null && !upstreamDelay.isNegative(),
                "INGEST_UPSTREAM_DELAY must not be negative, got " + upstreamDelay);
        require(maxIds >= 1, "INGEST_MAX_IDS must be at least 1, got " + maxIds);
        require(maxBody != null && maxBody.toBytes() >= 16, "INGEST_MAX_BODY must be at least 16B, got " + maxBody);
        require(dbUrl != null && !dbUrl.isBlank(), "INGEST_DB_URL must not be empty");
        require(lease != null && lease.toMillis() >= 300, "INGEST_LEASE must be at least 300ms, got " + lease);
        require(
                retryBackoff != null && !retryBackoff.isNegative(),
                "INGEST_RETRY_BACKOFF must not be negative, got " + retryBackoff);
        require(maxAttempts >= 1, "INGEST_MAX_ATTEMPTS must be at least 1, got " + maxAttempts);
        if (maxInterval == null && interval != null) {
            maxInterval = interval.compareTo(DEFAULT_MAX_INTERVAL) > 0 ? interval : DEFAULT_MAX_INTERVAL;
        }
        require(
                acceptStatus == 200 || acceptStatus == 201 || acceptStatus == 202,
                "INGEST_ACCEPT_STATUS must be 200, 201 or 202, got " + acceptStatus);
        if (bodyTimeout == null) {
            bodyTimeout = DEFAULT_BODY_TIMEOUT;
        }
        require(bodyTimeout.toMillis() >= 1, "INGEST_BODY_TIMEOUT must be at least 1ms, got " + bodyTimeout);
        require(
                maxInterval != null && interval != null && maxInterval.compareTo(interval) >= 0,
                "INGEST_MAX_INTERVAL must be at least INGEST_INTERVAL (" + interval + "), got " + maxInterval);
        if (drainTimeout == null) {
            drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        }
        require(!drainTimeout.isNegative(), "INGEST_DRAIN_TIMEOUT must not be negative, got " + drainTimeout);
        retention = retention == null ? DEFAULT_RETENTION : retention;
        require(
                retention.isZero() || retention.compareTo(SHORTEST_RETENTION) >= 0,
                "INGEST_RETENTION must be 0 (keep everything) or at least 1m, got " + retention);
        idempotencyTtl = idempotencyTtl == null ? DEFAULT_IDEMPOTENCY_TTL : idempotencyTtl;
        require(
                !idempotencyTtl.isNegative() && !idempotencyTtl.isZero(),
                "INGEST_IDEMPOTENCY_TTL must be longer than 0, got " + idempotencyTtl);
        fairness = fairness == null || fairness.isBlank() ? Fairness.OFF.label() : fairness.strip();
        require(Fairness.parse(fairness).isPresent(), "INGEST_FAIRNESS must be off, ingestion or key, got " + fairness);
    }

    /** How the slots of one priority are shared (INGEST_FAIRNESS); off: first in, first out. */
    public Fairness fairShare() {
        return Fairness.parse(fairness).orElseThrow();
    }

    /**
     * Fair share by key needs keys: with them off every ingestion has the one owner, and the mode
     * would quietly be first in, first out.
     */
    public void requireKeysForFairShare(boolean apiKeysOn) {
        require(
                apiKeysOn || fairShare() != Fairness.KEY,
                "INGEST_FAIRNESS=key shares slots among API keys, but API keys are off: set INGEST_API_KEYS "
                        + "(or INGEST_API_KEYS_FILE), or use INGEST_FAIRNESS=ingestion to share them among ingestions");
    }

    /**
     * With slot packing, the most ids one slot carries: the batch size, which is what the upstream
     * takes per interval; 0 for one batch per slot.
     */
    public int packUpTo() {
        return packing ? batchSize : 0;
    }

    public SlotOrder slotOrder() {
        return new SlotOrder(packUpTo(), fairShare());
    }

    /** The password never reaches a log through this record. */
    @Override
    public String toString() {
        return "IngestSettings[interval=%s, batchSize=%d, upstreamDelay=%s, maxIds=%d, maxBody=%s, dbUrl=%s, dbUser=%s, lease=%s, adoptSettings=%s, retryBackoff=%s, maxAttempts=%d, maxInterval=%s, acceptStatus=%d, drainTimeout=%s, bodyTimeout=%s, retention=%s, idempotencyTtl=%s, packing=%s, fairness=%s]"
                .formatted(
                        interval,
                        batchSize,
                        upstreamDelay,
                        maxIds,
                        maxBody,
                        dbUrl,
                        dbUser,
                        lease,
                        adoptSettings,
                        retryBackoff,
                        maxAttempts,
                        maxInterval,
                        acceptStatus,
                        drainTimeout,
                        bodyTimeout,
                        retention,
                        idempotencyTtl,
                        packing,
                        fairness);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
