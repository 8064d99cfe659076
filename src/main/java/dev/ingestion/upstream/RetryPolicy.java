package dev.ingestion.upstream;

import java.time.Duration;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * When an id that failed for a reason worth trying again may be tried again, and how often. The
 * back-off doubles with each attempt made, from {@code backoff} after the first, and a random
 * part of up to half of it is added so that the retries of many batches spread out; it is never
 * shorter than the back-off itself, nor than the upstream's {@code Retry-After}.
 */
public final class RetryPolicy {

    /** 2^20 back-offs: far past any maximum of attempts, and no overflow. */
    private static final int MAX_DOUBLINGS = 20;

    private final Duration backoff;
    private final int maxAttempts;
    private final DoubleSupplier jitter;

    /**
     * @param jitter values in [0, 1); seeded in production so a run can be repeated, fixed in tests
     *     so that every retry's slot is exact
     */
    public RetryPolicy(Duration backoff, int maxAttempts, DoubleSupplier jitter) {
        if (backoff.isNegative() || maxAttempts < 1) {
            throw new IllegalArgumentException("backoff " + backoff + ", max attempts " + maxAttempts);
        }
        this.backoff = backoff;
        this.maxAttempts = maxAttempts;
        this.jitter = jitter;
    }

    /** Whether an id that has had {@code attempts} attempts may have another. */
    public boolean mayRetry(int attempts) {
        return attempts < maxAttempts;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration backoff() {
        return backoff;
    }

    /**
     * The earliest start of the next attempt, after {@code attempts} attempts of which the last
     * started at {@code lastStart}.
     *
     * @param retryAfter what the upstream asked for, or null
     */
    public Instant nextAttempt(Instant lastStart, int attempts, Duration retryAfter) {
        Duration wait = backoff.multipliedBy(1L << Math.min(MAX_DOUBLINGS, Math.max(0, attempts - 1)));
        double random;
        synchronized (jitter) {
            random = jitter.getAsDouble();
        }
        wait = wait.plusNanos((long) (wait.toNanos() * random / 2));
        if (retryAfter != null && retryAfter.compareTo(wait) > 0) {
            wait = retryAfter;
        }
        return lastStart.plus(wait);
    }
}
