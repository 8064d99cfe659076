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
                .containsExactlyInAnyOrderEntriesOf(Map.of("protocol", "1", "interval", "PT5S", "batch_size", "3"));
    }

    @Test
    void aStoreSetUpBeforeTheProtocolWasRecordedSpeaksVersionOne() {
        record("interval", "PT5S");
        record("batch_size", "3");

        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));

        assertThat(store.deploymentSettings()).doesNotContainKey("protocol");
    }

    @Test
    void anInstanceRefusesAStoreInUseWithANewerProtocolEvenWhenToldToAdoptItsSettings() {
        record("protocol", "2");
        record("interval", "PT5S");
        record("batch_size", "3");

        for (String adopt : new String[] {"false", "true"}) {
            Throwable refused = catchThrowable(
                    () -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of("ingest.adopt-settings", adopt))));
            assertThat(refused)
                    .isInstanceOf(DeploymentSettingsMismatch.class)
                    .hasMessage("This store is in use by a newer version of the service (scheduling protocol 2, "
                            + "settings [batch_size, interval, protocol]); this instance speaks protocol 1 and knows the "
                            + "settings [batch_size, interval, protocol].");
            assertThat(new StartupFailureAnalyzer().analyze(refused).getAction())
                    .contains("the version the other instances run");
        }
        assertThat(store.deploymentSettings()).containsEntry("protocol", "2");
    }

    @Test
    void anInstanceRefusesAStoreThatHoldsASettingItDoesNotKnow() {
        new DeploymentGuard(store, IngestSettingsTest.bind(Map.of()));
        record("packing", "true");

        Throwable refused = catchThrowable(() -> new DeploymentGuard(store, IngestSettingsTest.bind(Map.of())));

        assertThat(refused)
                .isInstanceOf(DeploymentSettingsMismatch.class)
                .hasMessageContaining("settings [batch_size, interval, packing, protocol]");
    }
}
