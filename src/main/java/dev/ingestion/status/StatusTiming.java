package dev.ingestion.status;

import java.time.Duration;

/** The rate limiter's interval and the upstream's expected latency, for start and completion estimates. */
public record StatusTiming(Duration interval, Duration latency) {
}
