package dev.ingestion.upstream;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The rate-limited API that holds the records. */
public interface Upstream {

    /**
     * Fetches the ids one slot carries: one future per id, in the order given, each completing with
     * that id's outcome, never exceptionally (a failure is an outcome). Ids fetched one call each
     * complete as their answers arrive; ids fetched in one call complete together.
     */
    List<CompletableFuture<Outcome>> fetch(List<Integer> ids);

    /** How long one fetch is expected to take, for completion estimates. */
    Duration expectedLatency();
}
