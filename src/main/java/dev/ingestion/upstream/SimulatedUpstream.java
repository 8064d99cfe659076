package dev.ingestion.upstream;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The built-in upstream: every id answers {@code {"id": <id>, "data": "processed"}} after a fixed
 * delay. Fetches are timers, not sleeping threads, so a batch's ids run concurrently and the delay
 * stays steady whatever the load.
 */
public final class SimulatedUpstream implements Upstream {

    private final Duration delay;
    private final ScheduledExecutorService timer;

    public SimulatedUpstream(Duration delay, ScheduledExecutorService timer) {
        this.delay = delay;
        this.timer = timer;
    }

    @Override
    public CompletableFuture<String> fetch(int id) {
        CompletableFuture<String> record = new CompletableFuture<>();
        timer.schedule(
                () -> record.complete("{\"id\":" + id + ",\"data\":\"processed\"}"),
                delay.toNanos(),
                TimeUnit.NANOSECONDS);
        return record;
    }

    @Override
    public Duration expectedLatency() {
        return delay;
    }
}
