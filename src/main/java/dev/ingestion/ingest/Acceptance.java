package dev.ingestion.ingest;

/**
 * How a stored ingestion is answered: 200 by default, as the spec says and existing clients
 * expect; 201 or 202 (INGEST_ACCEPT_STATUS, checked with the settings) for clients written
 * against other implementations.
 */
public record Acceptance(int status) {}
