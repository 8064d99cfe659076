package dev.ingestion.settings;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ingestion.store.SettingsStore;

/**
 * Every instance of a deployment must share one interval, one batch size and one scheduling
 * protocol, or the rate limit and the batches mean different things on different instances. The
 * first instance records its values in the store; a later one with other values, with a newer
 * protocol in force, or with a setting it does not know (a newer version's), refuses to start.
 */
public final class DeploymentGuard {

    /**
     * The version of the rules by which instances share the queue: the claim, the order, what the
     * store's rows mean. A version that changes them records a higher number, and instances that
     * speak an older one stop joining the deployment.
     */
    static final int PROTOCOL = 1;

    private static final String PROTOCOL_SETTING = "protocol";
    /** Stores set up before the protocol was recorded speak version 1. */
    private static final String PROTOCOL_BEFORE_IT_WAS_RECORDED = "1";

    private static final Set<String> KNOWN = Set.of(PROTOCOL_SETTING, "interval", "batch_size");
    private static final Logger log = LoggerFactory.getLogger(DeploymentGuard.class);

    public DeploymentGuard(SettingsStore store, IngestSettings settings) {
        Map<String, String> mine = new LinkedHashMap<>();
        mine.put(PROTOCOL_SETTING, Integer.toString(PROTOCOL));
        mine.put("interval", settings.interval().toString());
        mine.put("batch_size", Integer.toString(settings.batchSize()));
        // Checked before anything is recorded: no instance adopts settings over a newer protocol.
        refuseNewerProtocol(store.deploymentSettings());
        Map<String, String> inForce = store.establish(mine, settings.adoptSettings());
        if (inForce.isEmpty()) {
            return;
        }
        refuseNewerProtocol(inForce);
        Map<String, String> compared = new LinkedHashMap<>(inForce);
        compared.putIfAbsent(PROTOCOL_SETTING, PROTOCOL_BEFORE_IT_WAS_RECORDED);
        if (compared.equals(mine)) {
            return;
        }
        if (settings.adoptSettings()) {
            log.warn("INGEST_ADOPT_SETTINGS: replaced deployment settings {} with {}", inForce, mine);
            return;
        }
        throw new DeploymentSettingsMismatch(
                ("This store is in use with interval %s and batch size %s, but this "
                                + "instance was started with interval %s and batch size %s.")
                        .formatted(
                                inForce.get("interval"),
                                inForce.get("batch_size"),
                                mine.get("interval"),
                                mine.get("batch_size")),
                DeploymentSettingsMismatch.SAME_SETTINGS);
    }

    private static void refuseNewerProtocol(Map<String, String> inForce) {
        Set<String> unknown = new TreeSet<>(inForce.keySet());
        unknown.removeAll(KNOWN);
        String protocol = inForce.getOrDefault(PROTOCOL_SETTING, PROTOCOL_BEFORE_IT_WAS_RECORDED);
        if (!unknown.isEmpty() || !protocol.equals(Integer.toString(PROTOCOL))) {
            throw new DeploymentSettingsMismatch(
                    ("This store is in use by a newer version of the service "
                                    + "(scheduling protocol %s, settings %s); this instance speaks protocol %d and knows "
                                    + "the settings %s.")
                            .formatted(protocol, new TreeSet<>(inForce.keySet()), PROTOCOL, new TreeSet<>(KNOWN)),
                    DeploymentSettingsMismatch.NEWER_VERSION);
        }
    }
}
