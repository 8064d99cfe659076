package dev.ingestion.webhooks;

import java.time.Clock;
import java.time.Duration;

import dev.ingestion.store.WebhookOutbox;
import dev.ingestion.store.WebhookOutbox.Due;
import dev.ingestion.store.WebhookOutbox.Settlement;
import dev.ingestion.store.WebhookOutbox.State;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Webhook attempts on {@code /metrics}: how each ended, how long it took, how late deliveries come. */
final class DeliveryMetrics {

    private final MeterRegistry registry;
    private final Timer attempts;
    private final Timer delay;
    private final Clock clock;

    DeliveryMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        this.attempts = Timer.builder("ingest.webhook.attempt")
                .description("one webhook attempt, from sending to the receiver's answer")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        this.delay = Timer.builder("ingest.webhook.delay")
                .description("from an event to its webhook's delivery (2xx), retries included")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
        for (State state : State.values()) {
            if (state != State.DROPPED) {
                outcome(state);
            }
        }
    }

    /** Shows the deployment's deliveries waiting for an attempt. */
    void watch(WebhookOutbox outbox) {
        Gauge.builder("ingest.webhook.pending", outbox, WebhookOutbox::pending)
                .description("webhook deliveries waiting for an attempt, across the deployment")
                .register(registry);
    }

    void attempted(Due due, Settlement settlement) {
        outcome(settlement.state()).increment();
        attempts.record(Duration.ofMillis(settlement.millis()));
        if (settlement.state() == State.DELIVERED) {
            delay.record(Duration.between(due.occurredAt(), clock.instant()));
        }
    }

    /** outcome=pending counts attempts that will be retried. */
    private Counter outcome(State state) {
        return Counter.builder("ingest.webhook.attempts")
                .description("webhook attempts by what followed: delivered, pending (retried), failed (no attempts"
                        + " left), gone (410)")
                .tag("outcome", state.label())
                .register(registry);
    }
}
