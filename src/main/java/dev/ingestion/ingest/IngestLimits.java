package dev.ingestion.ingest;

/** What one request may carry before it is answered 413. */
public record IngestLimits(int maxIds, long maxBodyBytes) {}
