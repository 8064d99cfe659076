package dev.ingestion.config;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ingestion.store.SettingsStore;

/**
 * Every instance of a deployment must share one interval and one batch size, or the rate limit
 * and the batches mean different things on different instances. The first instance records its
 * values in the store; any later one with other values refuses to start.
 */
final class DeploymentGuard {

    private static final Logger log = LoggerFactory.getLogger(DeploymentGuard.class);

    DeploymentGuard(SettingsStore store, IngestSettings settings) {
        Map<String, String> mine = new LinkedHashMap<>();
        mine.put("interval", settings.interval().toString());
        mine.put("batch_size", Integer.toString(settings.batchSize()));
        Map<String, String> inForce = store.establish(mine, settings.adoptSettings());
        if (inForce.isEmpty() || inForce.equals(mine)) {
            return;
        }
        if (settings.adoptSettings()) {
            log.warn("INGEST_ADOPT_SETTINGS: replaced deployment settings {} with {}", inForce, mine);
            return;
        }
        throw new DeploymentSettingsMismatch(("This store is in use with interval %s and batch size %s, but this "
                + "instance was started with interval %s and batch size %s.").formatted(
                inForce.get("interval"), inForce.get("batch_size"), mine.get("interval"), mine.get("batch_size")));
    }
}
