package dev.ingestion.dispatch;

import java.time.Duration;

import dev.ingestion.queue.Claim;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The dispatcher's events as Prometheus metrics on {@code /metrics}. */
public final class DispatchMetrics implements DispatchEvents {

    private final Timer claims;
    private final Timer lateness;
    private final Counter firstStarts;
    private final Counter reruns;
    private final Counter records;
    private final Counter failures;
    private final MeterRegistry registry;

    public DispatchMetrics(MeterRegistry registry) {
        this.registry = registry;
        claims = Timer.builder("ingest.claim")
                .description("time to choose and claim the next batch")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        lateness = Timer.builder("ingest.start.lateness")
                .description("how long after its slot a start came, while work waited")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        firstStarts = Counter.builder("ingest.batch.starts").tag("run", "first").register(registry);
        reruns = Counter.builder("ingest.batch.starts").tag("run", "again").register(registry);
        records = Counter.builder("ingest.records.stored").register(registry);
        failures = Counter.builder("ingest.batch.failures").register(registry);
    }

    /** Shows how many batches {@code dispatcher} is running. */
    public void watch(Dispatcher dispatcher) {
        registry.gauge("ingest.batches.running", dispatcher, Dispatcher::inFlight);
    }

    @Override
    public void claimed(Claim claim, Duration took, Duration late) {
        claims.record(took);
        if (claim instanceof Claim.Started started) {
            (started.batch().attempt() == 1 ? firstStarts : reruns).increment();
            if (late != null) {
                lateness.record(late);
            }
        }
    }

    @Override
    public void recordStored() {
        records.increment();
    }

    @Override
    public void batchFailed() {
        failures.increment();
    }
}
