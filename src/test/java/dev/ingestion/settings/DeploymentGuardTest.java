package dev.ingestion.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.store.SettingsStore;
import dev.ingestion.support.TestStores;

/** Rolling upgrades: instances that speak different scheduling protocols never share a queue. */
class DeploymentGuardTest {

    @TempDir
    Path folder;

    HikariDataSource dataSource;
    SettingsStore store;

    @BeforeEach
    void setUp() {
        dataSource = TestStores.h2(folder);
        store = new SettingsStore(dataSource);
    }

    @AfterEach
    void tearDown() {
        dataSource.close();
    }

    void record(String name, String value) {
        JdbcClient.create(dataSource)
                .sql("INSERT INTO deployment_setting (name, setting_value) VALUES (:name, :value)")
                .param("name", name)
                .param("value", value)
                .update();
    }

    @Test
    void theFirstInstanceRecordsTheProtocolItSpeaksWithTheIntervalAndBatchSize() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));

        assertThat(store.deploymentSettings())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "protocol", "2",
                        "interval", "PT5S",
                        "batch_size", "3",
                        "retry_backoff", "PT10S",
                        "max_attempts", "5",
                        "max_interval", "PT2M"));
    }

    @Test
    void aStoreOfTheFirstProtocolIsUpgradedByTheFirstInstanceOfThisOneAfterWhichAnOlderOneIsRefused() {
        record("interval", "PT5S"); // as the first version recorded it: no protocol, no retry policy
        record("batch_size", "3");

        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));

        assertThat(store.deploymentSettings()).containsEntry("protocol", "2").containsEntry("max_attempts", "5");
        Throwable refused = catchThrowable(
                () -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.max-attempts", "3"))));
        assertThat(refused)
                .hasMessage("This store is in use with max attempts 5, but this instance was started with "
                        + "max attempts 3.");
    }

    @Test
    void anInstanceWithAnotherIntervalIsRefusedByAStoreOfTheFirstProtocolWhichStaysAsItWas() {
        record("interval", "PT5S");
        record("batch_size", "3");

        Throwable refused = catchThrowable(
                () -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.interval", "2s"))));

        assertThat(refused)
                .hasMessage("This store is in use with interval PT5S, but this instance was started with "
                        + "interval PT2S.");
        assertThat(store.deploymentSettings()).doesNotContainKey("protocol");
    }

    @Test
    void anInstanceRefusesAStoreInUseWithANewerProtocolEvenWhenToldToAdoptItsSettings() {
        record("protocol", "3");
        record("interval", "PT5S");
        record("batch_size", "3");

        for (String adopt : new String[] {"false", "true"}) {
            Throwable refused = catchThrowable(
                    () -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.adopt-settings", adopt))));
            assertThat(refused)
                    .isInstanceOf(DeploymentSettingsMismatch.class)
                    .hasMessage("This store is in use by a newer version of the service (scheduling protocol 3, "
                            + "settings [batch_size, interval, protocol]); this instance speaks protocol 2 and knows the "
                            + "settings [batch_size, fairness, interval, max_attempts, max_interval, packing, "
                            + "protocol, retry_backoff].");
            assertThat(new StartupFailureAnalyzer().analyze(refused).getAction())
                    .contains("the version the other instances run");
        }
        assertThat(store.deploymentSettings()).containsEntry("protocol", "3");
    }

    @Test
    void anInstanceRefusesAStoreThatHoldsASettingItDoesNotKnow() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));
        record("later_mode", "on"); // a setting of a version after this one

        Throwable refused = catchThrowable(() -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of())));

        assertThat(refused)
                .isInstanceOf(DeploymentSettingsMismatch.class)
                .hasMessageContaining(
                        "settings [batch_size, interval, later_mode, max_attempts, max_interval, protocol, retry_backoff]");
    }

    @Test
    void slotPackingIsRecordedOnlyWhenOnSoThatAnOlderInstanceRefusesTheStoreOnlyThen() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.packing", "true")));

        assertThat(store.deploymentSettings()).containsEntry("packing", "true").containsEntry("protocol", "2");
    }

    @Test
    void aMixedDeploymentIsRefusedWhicheverSideHasSlotPackingOn() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.packing", "true")));

        Throwable off = catchThrowable(() -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of())));

        assertThat(off)
                .isInstanceOf(DeploymentSettingsMismatch.class)
                .hasMessage("This store is in use with slot packing true, but this instance was started with "
                        + "slot packing false.");
        assertThat(new StartupFailureAnalyzer().analyze(off).getAction()).contains("INGEST_PACKING");
    }

    @Test
    void aStoreRecordedWithoutSlotPackingByAnOlderVersionIsTakenAsPackingOffAndRefusesAnInstanceWithItOn() {
        record("protocol", "2"); // as the version before slot packing recorded it
        record("interval", "PT5S");
        record("batch_size", "3");
        record("retry_backoff", "PT10S");
        record("max_attempts", "5");
        record("max_interval", "PT2M");

        Throwable on = catchThrowable(
                () -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.packing", "true"))));

        assertThat(on)
                .isInstanceOf(DeploymentSettingsMismatch.class)
                .hasMessage("This store is in use with slot packing false, but this instance was started with "
                        + "slot packing true.");
        assertThat(store.deploymentSettings()).doesNotContainKey("packing");
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));
        assertThat(store.deploymentSettings()).doesNotContainKey("packing");
    }

    @Test
    void adoptingSettingsWithSlotPackingOffRemovesItsRecordSoThatOlderInstancesMayJoinAgain() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.packing", "true")));

        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.adopt-settings", "true")));

        assertThat(store.deploymentSettings()).doesNotContainKey("packing").containsEntry("batch_size", "3");
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));
    }

    @Test
    void fairShareIsRecordedOnlyWhenOnSoThatAnOlderInstanceRefusesTheStoreOnlyThen() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));
        assertThat(store.deploymentSettings()).doesNotContainKey("fairness");

        new DeploymentGuard(
                store,
                IngestSettingsTest.bind(Map.of("ingest.fairness", "ingestion", "ingest.adopt-settings", "true")));

        assertThat(store.deploymentSettings())
                .containsEntry("fairness", "ingestion")
                .containsEntry("protocol", "2");
    }

    @Test
    void aMixedDeploymentIsRefusedWhicheverSideHasFairShareOnAndWhicheverModeItIs() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.fairness", "key")));

        Throwable off = catchThrowable(() -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of())));
        Throwable other = catchThrowable(
                () -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.fairness", "ingestion"))));

        assertThat(off)
                .isInstanceOf(DeploymentSettingsMismatch.class)
                .hasMessage("This store is in use with fair share key, but this instance was started with "
                        + "fair share off.");
        assertThat(other)
                .isInstanceOf(DeploymentSettingsMismatch.class)
                .hasMessage("This store is in use with fair share key, but this instance was started with "
                        + "fair share ingestion.");
        assertThat(new StartupFailureAnalyzer().analyze(off).getAction()).contains("INGEST_FAIRNESS");
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.fairness", "key")));
    }

    @Test
    void aStoreRecordedWithoutFairShareIsTakenAsFirstInFirstOutAndRefusesAnInstanceWithItOn() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.packing", "true")));

        Throwable on = catchThrowable(() -> new DeploymentGuard(
                store, IngestSettingsTest.bind(Map.of("ingest.packing", "true", "ingest.fairness", "ingestion"))));

        assertThat(on)
                .isInstanceOf(DeploymentSettingsMismatch.class)
                .hasMessage("This store is in use with fair share off, but this instance was started with "
                        + "fair share ingestion.");
        assertThat(store.deploymentSettings()).doesNotContainKey("fairness");
    }

    @Test
    void adoptingSettingsWithFairShareOffRemovesItsRecordSoThatOlderInstancesMayJoinAgain() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.fairness", "ingestion")));

        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.adopt-settings", "true")));

        assertThat(store.deploymentSettings()).doesNotContainKey("fairness");
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));
    }
}
