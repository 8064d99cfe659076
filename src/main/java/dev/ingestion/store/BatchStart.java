package dev.ingestion.store;

import java.time.Instant;
import java.util.UUID;

/** One entry of the start log: every slot taken, first runs and re-runs alike. */
public record BatchStart(UUID ingestionId, int index, int attempt, Instant startedAt, String owner) {}
