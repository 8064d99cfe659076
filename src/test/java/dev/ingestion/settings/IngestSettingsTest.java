package dev.ingestion.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.diagnostics.FailureAnalysis;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.queue.Fairness;
import dev.ingestion.store.SettingsStore;
import dev.ingestion.support.TestStores;

class IngestSettingsTest {

    @TempDir
    Path folder;

    static IngestSettings bind(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "ingest.interval",
                "5s",
                "ingest.batch-size",
                "3",
                "ingest.upstream-delay",
                "1s",
                "ingest.max-ids",
                "1000000",
                "ingest.max-body",
                "32MB",
                "ingest.db-url",
                "jdbc:h2:file:./data/ingest",
                "ingest.db-user",
                "",
                "ingest.db-password",
                "",
                "ingest.lease",
                "30s",
                "ingest.adopt-settings",
                "false"));
        properties.put("ingest.retry-backoff", "10s");
        properties.put("ingest.max-attempts", "5");
        properties.put("ingest.max-interval", "");
        properties.put("ingest.accept-status", "200");
        properties.putAll(overrides);
        return new Binder(new MapConfigurationPropertySource(properties))
                .bind("ingest", IngestSettings.class)
                .get();
    }

    @ParameterizedTest(name = "INGEST_INTERVAL={0} means {1}")
    @CsvSource({"5, PT5S", "5s, PT5S", "500ms, PT0.5S", "2m, PT2M", "PT0.25S, PT0.25S"})
    void durationsTakeAUnitAndABareNumberMeansSeconds(String text, Duration expected) {
        assertThat(bind(Map.of("ingest.interval", text)).interval()).isEqualTo(expected);
    }

    @Test
    void theBodyLimitTakesAUnit() {
        assertThat(bind(Map.of("ingest.max-body", "2KB")).maxBody().toBytes()).isEqualTo(2048);
    }

    @Test
    void aZeroIntervalOrBatchSizeIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> bind(Map.of("ingest.interval", "0")))
                .hasRootCauseMessage("INGEST_INTERVAL must be at least 1ms, got PT0S");
        assertThatThrownBy(() -> bind(Map.of("ingest.batch-size", "0")))
                .hasRootCauseMessage("INGEST_BATCH_SIZE must be at least 1, got 0");
    }

    @Test
    void anInstanceWithAnotherIntervalOrBatchSizeThanTheStoresIsRefused() {
        try (HikariDataSource dataSource = TestStores.h2(folder)) {
            SettingsStore store = new SettingsStore(dataSource);
            new DeploymentGuard(store, bind(Map.of()));
            new DeploymentGuard(store, bind(Map.of("ingest.interval", "5")));

            Throwable refused =
                    catchThrowable(() -> new DeploymentGuard(store, bind(Map.of("ingest.batch-size", "4"))));
            assertThat(refused)
                    .isInstanceOf(DeploymentSettingsMismatch.class)
                    .hasMessage(
                            "This store is in use with batch size 3, but this instance was started with batch size 4.");
            FailureAnalysis analysis = new StartupFailureAnalyzer().analyze(new IllegalStateException(refused));
            assertThat(analysis.getAction()).contains("INGEST_ADOPT_SETTINGS=true");

            new DeploymentGuard(store, bind(Map.of("ingest.batch-size", "4", "ingest.adopt-settings", "true")));
            assertThat(store.deploymentSettings()).containsEntry("batch_size", "4");
        }
    }

    @Test
    void theLongestIntervalIsTwoMinutesOrTheIntervalWhenThatIsLongerUnlessSetAndThenNotShorterThanIt() {
        assertThat(bind(Map.of()).maxInterval()).isEqualTo(Duration.ofMinutes(2));
        assertThat(bind(Map.of("ingest.interval", "1h")).maxInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(bind(Map.of("ingest.max-interval", "30s")).maxInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> bind(Map.of("ingest.max-interval", "1s")))
                .hasRootCauseMessage("INGEST_MAX_INTERVAL must be at least INGEST_INTERVAL (PT5S), got PT1S");
    }

    @Test
    void runningBatchesGetTwentySecondsOnShutdownUnlessSetAndNeverANegativeTime() {
        assertThat(bind(Map.of()).drainTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(bind(Map.of("ingest.drain-timeout", "500ms")).drainTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(bind(Map.of("ingest.drain-timeout", "0")).drainTimeout()).isZero();
        assertThatThrownBy(() -> bind(Map.of("ingest.drain-timeout", "-1s")))
                .hasRootCauseMessage("INGEST_DRAIN_TIMEOUT must not be negative, got PT-1S");
    }

    @Test
    void aWholeBodyMayTakeThirtySecondsUnlessSetAndNeverNothing() {
        assertThat(bind(Map.of()).bodyTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(bind(Map.of("ingest.body-timeout", "2")).bodyTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThatThrownBy(() -> bind(Map.of("ingest.body-timeout", "0")))
                .hasRootCauseMessage("INGEST_BODY_TIMEOUT must be at least 1ms, got PT0S");
    }

    @Test
    void fairShareIsOffUnlessSetToIngestionOrKeyAndAnythingElseIsRefusedNamingTheVariable() {
        assertThat(bind(Map.of()).fairShare()).isEqualTo(Fairness.OFF);
        assertThat(bind(Map.of("ingest.fairness", "ingestion")).fairShare()).isEqualTo(Fairness.INGESTION);
        assertThat(bind(Map.of("ingest.fairness", "key")).fairShare()).isEqualTo(Fairness.KEY);
        assertThatThrownBy(() -> bind(Map.of("ingest.fairness", "keys")))
                .hasRootCauseMessage("INGEST_FAIRNESS must be off, ingestion or key, got keys");
    }

    @Test
    void fairShareByKeyWithApiKeysOffRefusesToStartSayingWhatToSet() {
        IngestSettings byKey = bind(Map.of("ingest.fairness", "key"));

        assertThatThrownBy(() -> byKey.requireKeysForFairShare(false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("INGEST_FAIRNESS=key shares slots among API keys, but API keys are off: set "
                        + "INGEST_API_KEYS (or INGEST_API_KEYS_FILE), or use INGEST_FAIRNESS=ingestion to share them "
                        + "among ingestions");
        byKey.requireKeysForFairShare(true);
        bind(Map.of("ingest.fairness", "ingestion")).requireKeysForFairShare(false);
    }
}
