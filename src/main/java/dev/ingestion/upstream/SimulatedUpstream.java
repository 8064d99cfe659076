package dev.ingestion.upstream;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The built-in upstream: every id answers {@code {"id": <id>, "data": "processed"}} after a fixed
 * delay. Fetches are timers, not sleeping threads, so a batch's ids run concurrently and the delay
 * stays steady whatever the load.
 *
 * <p>It can fail on purpose: each id is one call, and a fraction of calls answers a 500 (transient)
 * and another a 429 (throttled, without {@code Retry-After}), after the same delay. The draws come
 * from the random source given, in the order the calls are made, so one seed replays one run.
 */
public final class SimulatedUpstream implements Upstream {

    private static final Outcome SERVER_ERROR = new Outcome.Transient(
            new Outcome.Failure("http", 500, "HTTP 500 from the upstream (simulated)"), null, false);
    private static final Outcome THROTTLED = new Outcome.Transient(
            new Outcome.Failure("http", 429, "HTTP 429 from the upstream (simulated)"), null, true);

    private final Duration delay;
    private final ScheduledExecutorService timer;
    private final double failureRate;
    private final double throttleRate;
    private final Random random;

    /** Never fails. */
    public SimulatedUpstream(Duration delay, ScheduledExecutorService timer) {
        this(delay, timer, 0, 0, new Random(0));
    }

    /**
     * @param failureRate the fraction of calls answered as a 500
     * @param throttleRate the fraction of calls answered as a 429
     * @param random where the draws come from (java.util.Random is thread-safe)
     */
    public SimulatedUpstream(
            Duration delay, ScheduledExecutorService timer, double failureRate, double throttleRate, Random random) {
        if (failureRate < 0 || throttleRate < 0 || failureRate + throttleRate > 1) {
            throw new IllegalArgumentException(
                    "failure and throttle rates must be fractions adding up to at most 1, got " + failureRate + " and "
                            + throttleRate);
        }
        this.delay = delay;
        this.timer = timer;
        this.failureRate = failureRate;
        this.throttleRate = throttleRate;
        this.random = random;
    }

    @Override
    public List<CompletableFuture<Outcome>> fetch(List<Integer> ids) {
        return ids.stream().map(this::fetch).toList();
    }

    private CompletableFuture<Outcome> fetch(int id) {
        Outcome answer = answer(id);
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        timer.schedule(() -> outcome.complete(answer), delay.toNanos(), TimeUnit.NANOSECONDS);
        return outcome;
    }

    /** Drawn when the call is made, so the sequence follows the calls, not the timer's threads. */
    private Outcome answer(int id) {
        if (failureRate > 0 || throttleRate > 0) {
            double draw = random.nextDouble();
            if (draw < failureRate) {
                return SERVER_ERROR;
            }
            if (draw < failureRate + throttleRate) {
                return THROTTLED;
            }
        }
        return new Outcome.Fetched("{\"id\":" + id + ",\"data\":\"processed\"}");
    }

    @Override
    public Duration expectedLatency() {
        return delay;
    }
}
