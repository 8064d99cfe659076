package dev.ingestion.settings;

/** This instance cannot join the deployment whose settings the store holds; {@link #action()} says what to do. */
class DeploymentSettingsMismatch extends RuntimeException {

    static final String SAME_SETTINGS = "Start every instance with the same INGEST_INTERVAL, INGEST_BATCH_SIZE, "
            + "INGEST_RETRY_BACKOFF, INGEST_MAX_ATTEMPTS, INGEST_MAX_INTERVAL, INGEST_PACKING and INGEST_FAIRNESS. To change them, stop every instance and start one "
            + "with INGEST_ADOPT_SETTINGS=true.";
    static final String NEWER_VERSION = "Start this instance from the version the other instances run, or a newer "
            + "one; INGEST_ADOPT_SETTINGS cannot take a deployment back to an older protocol.";

    private final String action;

    DeploymentSettingsMismatch(String message, String action) {
        super(message);
        this.action = action;
    }

    String action() {
        return action;
    }
}
