package dev.ingestion.settings;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ingestion.store.SettingsStore;

/**
 * Every instance of a deployment must share the settings that decide which batch runs when (the
 * interval and how far throttling may stretch it, the batch size, the retry policy, slot packing, fair share) and one scheduling protocol, or the rate limit and
 * the order mean different things on different instances. The first instance records its values
 * in the store; a later one with other values, with a newer protocol in force, or with a setting
 * it does not know (a newer version's), refuses to start. The first instance of a newer protocol
 * records it, after which instances of the older one refuse.
 */
public final class DeploymentGuard {

    /**
     * The version of the rules by which instances share the queue: the claim, the order, what the
     * store's rows mean. 2: batches handed back for a retry wait for their time (retry_at), and
     * ids may fail for good.
     */
    static final int PROTOCOL = 2;

    private static final String PROTOCOL_SETTING = "protocol";
    private static final String PACKING = "packing";
    private static final String FAIRNESS = "fairness";
    /** Stores set up before the protocol was recorded speak version 1. */
    private static final String PROTOCOL_BEFORE_IT_WAS_RECORDED = "1";
    /** Names as recorded, and as a person reads them in a refusal. */
    private static final Map<String, String> NAMES = names();

    /**
     * Settings recorded only when they are not at their default, and taken to be at it when
     * absent. Slot packing is one: an older version, which does not know it and never packs, then
     * refuses a store only once packing is on (a setting it does not know), and keeps running
     * beside this one while packing is off, as the two share everything else. That is also why
     * packing did not raise the protocol: a new protocol would shut every older instance out. Fair
     * share is another, for the same reasons: an older version orders first in, first out.
     */
    private static final Map<String, String> ABSENT_MEANS = Map.of(PACKING, "false", FAIRNESS, "off");

    private static final Logger log = LoggerFactory.getLogger(DeploymentGuard.class);

    public DeploymentGuard(SettingsStore store, IngestSettings settings) {
        Map<String, String> mine = new LinkedHashMap<>();
        mine.put(PROTOCOL_SETTING, Integer.toString(PROTOCOL));
        mine.put("interval", settings.interval().toString());
        mine.put("batch_size", Integer.toString(settings.batchSize()));
        mine.put("retry_backoff", settings.retryBackoff().toString());
        mine.put("max_attempts", Integer.toString(settings.maxAttempts()));
        mine.put("max_interval", settings.maxInterval().toString());
        if (settings.packing()) {
            mine.put(PACKING, "true");
        }
        if (settings.fairShare().on()) {
            mine.put(FAIRNESS, settings.fairShare().label());
        }
        // Checked before anything is recorded: no instance adopts settings over a newer protocol.
        refuseNewerVersion(store.deploymentSettings());
        Map<String, String> inForce = store.establish(mine, settings.adoptSettings());
        if (inForce.isEmpty()) {
            return;
        }
        refuseNewerVersion(inForce);
        if (settings.adoptSettings()) {
            if (!inForce.equals(mine)) {
                log.warn("INGEST_ADOPT_SETTINGS: replaced deployment settings {} with {}", inForce, mine);
            }
            return;
        }
        Map<String, String> differing = new LinkedHashMap<>();
        Map<String, String> recorded = withDefaults(inForce);
        Map<String, String> started = withDefaults(mine);
        recorded.forEach((name, value) -> {
            if (!name.equals(PROTOCOL_SETTING) && !value.equals(started.get(name))) {
                differing.put(name, value);
            }
        });
        if (!differing.isEmpty()) {
            Map<String, String> wanted = new LinkedHashMap<>();
            differing.keySet().forEach(name -> wanted.put(name, started.get(name)));
            throw new DeploymentSettingsMismatch(
                    "This store is in use with %s, but this instance was started with %s."
                            .formatted(describe(differing), describe(wanted)),
                    DeploymentSettingsMismatch.SAME_SETTINGS);
        }
        if (!inForce.equals(mine)) {
            // An older protocol, or settings it did not record: the first instance of this version
            // records them, and from then on older instances refuse to start.
            store.establish(mine, true);
            log.warn(
                    "recorded scheduling protocol {} and settings {} for this deployment (it was at protocol {}); "
                            + "instances of older versions refuse to start from now on: stop any still running",
                    PROTOCOL,
                    mine,
                    inForce.getOrDefault(PROTOCOL_SETTING, PROTOCOL_BEFORE_IT_WAS_RECORDED));
        }
    }

    private static void refuseNewerVersion(Map<String, String> inForce) {
        Set<String> unknown = new TreeSet<>(inForce.keySet());
        unknown.removeAll(NAMES.keySet());
        int protocol;
        try {
            protocol = Integer.parseInt(inForce.getOrDefault(PROTOCOL_SETTING, PROTOCOL_BEFORE_IT_WAS_RECORDED));
        } catch (NumberFormatException e) {
            protocol = Integer.MAX_VALUE;
        }
        if (!unknown.isEmpty() || protocol > PROTOCOL) {
            throw new DeploymentSettingsMismatch(
                    ("This store is in use by a newer version of the service (scheduling protocol %s, settings %s); "
                                    + "this instance speaks protocol %d and knows the settings %s.")
                            .formatted(
                                    inForce.getOrDefault(PROTOCOL_SETTING, PROTOCOL_BEFORE_IT_WAS_RECORDED),
                                    new TreeSet<>(inForce.keySet()),
                                    PROTOCOL,
                                    new TreeSet<>(NAMES.keySet())),
                    DeploymentSettingsMismatch.NEWER_VERSION);
        }
    }

    private static Map<String, String> withDefaults(Map<String, String> settings) {
        Map<String, String> complete = new LinkedHashMap<>(settings);
        ABSENT_MEANS.forEach(complete::putIfAbsent);
        return complete;
    }

    private static String describe(Map<String, String> settings) {
        return settings.entrySet().stream()
                .map(setting -> NAMES.get(setting.getKey()) + " " + setting.getValue())
                .collect(Collectors.joining(", "));
    }

    private static Map<String, String> names() {
        Map<String, String> names = new LinkedHashMap<>();
        names.put(PROTOCOL_SETTING, "protocol");
        names.put("interval", "interval");
        names.put("batch_size", "batch size");
        names.put("retry_backoff", "retry back-off");
        names.put("max_attempts", "max attempts");
        names.put("max_interval", "max interval");
        names.put(PACKING, "slot packing");
        names.put(FAIRNESS, "fair share");
        return names;
    }
}
