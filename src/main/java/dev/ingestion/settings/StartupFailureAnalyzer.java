package dev.ingestion.settings;

import java.sql.SQLException;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;

/** Turns the two start-up refusals a user can meet into a message instead of a stack trace. */
public class StartupFailureAnalyzer implements FailureAnalyzer {

    /** H2's "database may be already in use": another process holds the file lock. */
    private static final int H2_DATABASE_ALREADY_OPEN = 90020;

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof DeploymentSettingsMismatch mismatch) {
                return new FailureAnalysis(mismatch.getMessage(), mismatch.action(), mismatch);
            }
            if (cause instanceof SQLException sql && sql.getErrorCode() == H2_DATABASE_ALREADY_OPEN) {
                return new FailureAnalysis(
                        "The embedded store is already in use by another process: "
                                + "only one instance may run on one data folder.",
                        "Stop the other instance, or give this one its own folder with INGEST_DB_URL="
                                + "jdbc:h2:file:./other-folder/ingest. To run several instances on one queue, use "
                                + "PostgreSQL.",
                        sql);
            }
        }
        return null;
    }
}
