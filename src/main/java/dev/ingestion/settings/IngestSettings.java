package dev.ingestion.settings;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

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
        boolean adoptSettings) {

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
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
