package dev.ingestion.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.random.RandomGenerator;

import dev.ingestion.store.WebhookOutbox.Settlement;
import dev.ingestion.store.WebhookOutbox.State;

/**
 * What an attempt's answer means for its delivery. 2xx delivers, 410 stops sending to the URL,
 * anything else (another status, a timeout, a refused connection) is tried again after the
 * schedule's next step, or after the answer's {@code Retry-After} when it gives one (even a
 * shorter one: the receiver knows when it will be back), until the attempts run out.
 *
 * <p>The steps, at the default base of 5 s: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, then 10 h again;
 * a smaller base shrinks them all in proportion (tests run the same schedule in seconds). Each is
 * lengthened by up to a tenth at random, never shortened, so that receivers that failed together
 * are not all retried in the same second.
 */
final class RetrySchedule {

    /** Multiples of the base: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h at a base of 5 s. */
    private static final List<Integer> STEPS = List.of(1, 60, 360, 1440, 3600, 7200);

    /** A Retry-After beyond a day is taken as a day: the delivery must end some time. */
    static final Duration LONGEST_RETRY_AFTER = Duration.ofDays(1);

    private final Duration base;
    private final int maxAttempts;
    private final RandomGenerator random;

    RetrySchedule(Duration base, int maxAttempts, RandomGenerator random) {
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("INGEST_WEBHOOK_RETRY_BASE must be positive, got " + base);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("INGEST_WEBHOOK_MAX_ATTEMPTS must be 1 or more, got " + maxAttempts);
        }
        this.base = base;
        this.maxAttempts = maxAttempts;
        this.random = random;
    }

    /** The wait after the {@code attempt}-th failed, before jitter. */
    Duration step(int attempt) {
        return base.multipliedBy(STEPS.get(Math.min(attempt, STEPS.size()) - 1));
    }

    /**
     * @param attempt the number of the attempt that got {@code answer}, from 1
     * @param startedAt when the attempt began
     * @param endedAt when its answer came (or it failed); retries count from here
     */
    Settlement settle(int attempt, WebhookClient.Answer answer, Instant startedAt, Instant endedAt) {
        int millis = (int)
                Math.min(Integer.MAX_VALUE, Duration.between(startedAt, endedAt).toMillis());
        if (answer.delivered()) {
            return new Settlement(State.DELIVERED, null, startedAt, answer.status(), null, millis);
        }
        if (answer.gone()) {
            return new Settlement(State.GONE, null, startedAt, answer.status(), answer.error(), millis);
        }
        if (attempt >= maxAttempts) {
            return new Settlement(State.FAILED, null, startedAt, answer.status(), answer.error(), millis);
        }
        Duration wait =
                answer.retryAfter() != null ? min(answer.retryAfter(), LONGEST_RETRY_AFTER) : jittered(step(attempt));
        return new Settlement(State.PENDING, endedAt.plus(wait), startedAt, answer.status(), answer.error(), millis);
    }

    private Duration jittered(Duration step) {
        return step.plusNanos((long) (step.toNanos() * 0.1 * random.nextDouble()));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    int maxAttempts() {
        return maxAttempts;
    }
}
