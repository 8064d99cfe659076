package dev.ingestion.ingest;

import java.time.Duration;

/** What one request may carry, and how long its body may take to arrive, before it is refused. */
public record IngestLimits(int maxIds, long maxBodyBytes, Duration bodyTimeout) {}
