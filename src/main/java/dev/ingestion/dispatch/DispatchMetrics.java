package dev.ingestion.dispatch;

import java.time.Duration;
import java.time.Instant;

import dev.ingestion.queue.Claim;
import dev.ingestion.upstream.Outcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
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
    private final Counter retries;
    private final DistributionSummary slotIds;
    private final MeterRegistry registry;

    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
        Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(30)
    };

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
        retries = Counter.builder("ingest.ids.retries")
                .description("ids handed back to be tried again at a later slot")
                .register(registry);
        slotIds = DistributionSummary.builder("ingest.slot.ids")
                .description("ids each slot sent to the upstream: its batches' together with slot packing")
                .serviceLevelObjectives(1, 2, 3, 5, 10, 25, 100)
                .register(registry);
    }

    /** Shows how many batches {@code dispatcher} is running. */
    public void watch(Dispatcher dispatcher) {
        registry.gauge("ingest.batches.running", dispatcher, Dispatcher::inFlight);
        Gauge.builder(
                        "ingest.effective.interval",
                        dispatcher,
                        d -> d.effectiveInterval().toNanos() / 1e9)
                .description(
                        "the interval between slots in force: the configured one, stretched while the upstream throttles")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder("ingest.upstream.breaker.open", dispatcher, d -> d.breakerOpen() ? 1 : 0)
                .description("1 while the upstream is taken to be down: one probe per slot, attempts not counted")
                .register(registry);
    }

    @Override
    public void claimed(Claim claim, Duration took, Duration late) {
        claims.record(took);
        if (claim instanceof Claim.Started started) {
            started.batches().forEach(batch -> (batch.attempt() == 1 ? firstStarts : reruns).increment());
            slotIds.record(started.ids());
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

    /**
     * One timer per kind of answer: its count is the calls that came to it, its buckets their
     * latency (from the slot's calls going out to the answer).
     */
    @Override
    public void answered(Outcome outcome, Duration took) {
        String kind = outcome instanceof Outcome.Fetched
                ? "fetched"
                : outcome instanceof Outcome.Final
                        ? "final"
                        : ((Outcome.Transient) outcome).throttled() ? "throttled" : "transient";
        Timer.builder("ingest.upstream.calls")
                .description("the upstream's answers, by outcome, and how long each took")
                .tag("outcome", kind)
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry)
                .record(took);
    }

    @Override
    public void retryScheduled(int ids, Instant at) {
        retries.increment(ids);
    }

    @Override
    public void failedForGood(String kind) {
        Counter.builder("ingest.ids.failed")
                .description("ids that failed for good, by the kind of their last failure")
                .tag("kind", kind)
                .register(registry)
                .increment();
    }
}
