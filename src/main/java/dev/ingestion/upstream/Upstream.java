package dev.ingestion.upstream;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** The rate-limited API that holds the records. */
public interface Upstream {

    /** Fetches one id; the future completes with the record as JSON text. */
    CompletableFuture<String> fetch(int id);

    /** How long one fetch is expected to take, for completion estimates. */
    Duration expectedLatency();
}
