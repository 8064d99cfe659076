package dev.ingestion.store;

import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The values every instance of a deployment must share, kept beside the queue they govern. */
public class SettingsStore {

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final RateLimiterRow limiter;

    public SettingsStore(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.limiter = new RateLimiterRow(jdbc);
    }

    public Map<String, String> deploymentSettings() {
        return jdbc
                .sql("SELECT name, setting_value FROM deployment_setting")
                .query((rs, n) -> Map.entry(rs.getString("name"), rs.getString("setting_value")))
                .list()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /**
     * Records {@code proposed} as the values in force if there are none yet (or if
     * {@code replace}), and answers the values that were in force before. It holds the rate
     * limiter's lock meanwhile: instances starting at the same moment on an empty store take
     * turns, so exactly one of them records its values and the others compare theirs against them.
     */
    public Map<String, String> establish(Map<String, String> proposed, boolean replace) {
        return tx.execute(status -> {
            limiter.lock();
            Map<String, String> before = deploymentSettings();
            if (before.isEmpty() || replace) {
                save(proposed);
            }
            return before;
        });
    }

    /**
     * Records the values in force; a value already present is replaced, and one that is not
     * proposed is removed: a setting recorded only when it is not at its default (slot packing) is
     * at its default again.
     */
    private void save(Map<String, String> settings) {
        tx.executeWithoutResult(status -> {
            for (String recorded : deploymentSettings().keySet()) {
                if (!settings.containsKey(recorded)) {
                    jdbc.sql("DELETE FROM deployment_setting WHERE name = :name")
                            .param("name", recorded)
                            .update();
                }
            }
        });
        tx.executeWithoutResult(status -> settings.forEach((name, value) -> {
            int updated = jdbc.sql("UPDATE deployment_setting SET setting_value = :value WHERE name = :name")
                    .param("name", name)
                    .param("value", value)
                    .update();
            if (updated == 0) {
                jdbc.sql("INSERT INTO deployment_setting (name, setting_value) VALUES (:name, :value)")
                        .param("name", name)
                        .param("value", value)
                        .update();
            }
        }));
    }
}
