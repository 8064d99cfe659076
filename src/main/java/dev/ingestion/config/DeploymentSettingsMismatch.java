package dev.ingestion.config;

/** This instance was started with an interval or batch size other than the deployment's. */
class DeploymentSettingsMismatch extends RuntimeException {

    DeploymentSettingsMismatch(String message) {
        super(message);
    }
}
