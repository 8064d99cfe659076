package dev.ingestion.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.ToDoubleFunction;

import org.springframework.stereotype.Component;

import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.QueueTotals;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The queue's totals as gauges, so Prometheus can alert on a growing queue or a paused one
 * without the page. One read of the totals serves every gauge of a scrape.
 */
@Component
class QueueGauges {

    /** A scrape reads all the gauges within this; a second scrape so soon shares the read. */
    private static final Duration FRESH = Duration.ofSeconds(1);

    private final QueueTotals totals;
    private final RateLimit rate;
    private final Clock clock;
    private QueueTotals.Summary last;
    private Instant readAt = Instant.MIN;

    QueueGauges(QueueTotals totals, RateLimit rate, Clock clock, MeterRegistry registry) {
        this.totals = totals;
        this.rate = rate;
        this.clock = clock;
        for (Priority priority : Priority.values()) {
            gauge(
                    registry,
                    "ingest.queue.waiting.batches",
                    "batches not yet started",
                    priority,
                    s -> s.waiting().get(priority).batches());
            gauge(
                    registry,
                    "ingest.queue.waiting.ids",
                    "ids of batches not yet started",
                    priority,
                    s -> s.waiting().get(priority).ids());
        }
        Gauge.builder("ingest.batches.in.flight", this, g -> g.summary().inFlight())
                .description("batches running now, on any instance")
                .register(registry);
        Gauge.builder("ingest.dispatch.paused", this, g -> g.summary().paused() ? 1 : 0)
                .description("1 while an operator has paused dispatch")
                .register(registry);
    }

    private void gauge(
            MeterRegistry registry,
            String name,
            String description,
            Priority priority,
            ToDoubleFunction<QueueTotals.Summary> value) {
        Gauge.builder(name, this, g -> value.applyAsDouble(g.summary()))
                .description(description)
                .tag("priority", priority.name())
                .register(registry);
    }

    private synchronized QueueTotals.Summary summary() {
        Instant now = clock.instant();
        if (last == null || now.isAfter(readAt.plus(FRESH))) {
            last = totals.read(rate, now);
            readAt = now;
        }
        return last;
    }
}
