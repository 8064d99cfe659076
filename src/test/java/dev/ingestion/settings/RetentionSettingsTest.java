package dev.ingestion.settings;

import static dev.ingestion.settings.IngestSettingsTest.bind;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** INGEST_RETENTION and INGEST_IDEMPOTENCY_TTL. */
class RetentionSettingsTest {

    @Test
    void completedWorkIsKeptThirtyDaysAndIdempotencyKeysADayUnlessSet() {
        IngestSettings defaults = bind(Map.of());
        assertThat(defaults.retention()).isEqualTo(Duration.ofDays(30));
        assertThat(defaults.idempotencyTtl()).isEqualTo(Duration.ofHours(24));

        IngestSettings set = bind(Map.of("ingest.retention", "7d", "ingest.idempotency-ttl", "90m"));
        assertThat(set.retention()).isEqualTo(Duration.ofDays(7));
        assertThat(set.idempotencyTtl()).isEqualTo(Duration.ofMinutes(90));
        assertThat(bind(Map.of("ingest.retention", "")).retention()).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void aRetentionOfZeroKeepsEverythingAndOneShorterThanAMinuteIsRefused() {
        assertThat(bind(Map.of("ingest.retention", "0")).retention()).isZero();
        assertThat(bind(Map.of("ingest.retention", "1m")).retention()).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> bind(Map.of("ingest.retention", "30s")))
                .hasRootCauseMessage("INGEST_RETENTION must be 0 (keep everything) or at least 1m, got PT30S");
        assertThatThrownBy(() -> bind(Map.of("ingest.retention", "-1d")))
                .hasRootCauseMessage("INGEST_RETENTION must be 0 (keep everything) or at least 1m, got PT-24H");
    }

    @Test
    void anIdempotencyTtlOfZeroOrLessIsRefused() {
        assertThatThrownBy(() -> bind(Map.of("ingest.idempotency-ttl", "0")))
                .hasRootCauseMessage("INGEST_IDEMPOTENCY_TTL must be longer than 0, got PT0S");
    }
}
