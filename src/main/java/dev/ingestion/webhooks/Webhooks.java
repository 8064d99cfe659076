package dev.ingestion.webhooks;

import java.time.Clock;
import java.time.Duration;
import java.util.Random;

import org.springframework.context.SmartLifecycle;

import dev.ingestion.settings.WebhookSettings;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.WebhookOutbox;
import io.micrometer.core.instrument.MeterRegistry;

/** Assembles the delivery of webhooks from its settings, for the composition root. */
public final class Webhooks {

    /** How often the outbox is read for deliveries that other instances wrote or that came due. */
    static final Duration POLL = Duration.ofMillis(250);
    /** A claimed delivery stays this instance's for its timeout and this much more. */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(45);

    private Webhooks() {}

    public static Deliverer deliverer(
            WebhookSettings settings,
            WebhookOutbox outbox,
            QueueReads reads,
            CallbackAddresses addresses,
            Clock clock,
            String owner,
            MeterRegistry registry) {
        DeliveryMetrics metrics = new DeliveryMetrics(registry, clock);
        metrics.watch(outbox);
        return new Deliverer(
                outbox,
                new Payloads(reads, settings.publicUrl()),
                Signatures.parse(settings.secret()),
                new HttpWebhookClient(addresses, settings.timeout(), clock),
                new RetrySchedule(settings.retryBase(), settings.maxAttempts(), new Random()),
                clock,
                owner,
                settings.timeout().plus(LEASE_MARGIN),
                metrics);
    }

    /** @param phase the web server's graceful shutdown phase: attempts under way finish beside it */
    public static DeliveryLoop loop(Deliverer deliverer, WebhookSettings settings, Duration drainTimeout, int phase) {
        return new DeliveryLoop(deliverer, settings.senders(), POLL, drainTimeout, phase);
    }

    /** What stands in for the delivery loop where webhooks are off: nothing runs. */
    public static SmartLifecycle off() {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                running = true;
            }

            @Override
            public void stop() {
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }
        };
    }
}
