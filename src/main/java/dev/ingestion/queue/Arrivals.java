package dev.ingestion.queue;

/** How the ingest path tells the dispatcher that work waits, without knowing the dispatcher. */
public interface Arrivals {

    Arrivals IGNORED = () -> {};

    /** Called after an ingestion is committed. */
    void workArrived();
}
