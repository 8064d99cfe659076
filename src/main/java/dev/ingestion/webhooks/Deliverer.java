package dev.ingestion.webhooks;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ingestion.store.WebhookOutbox;
import dev.ingestion.store.WebhookOutbox.Due;
import dev.ingestion.store.WebhookOutbox.Settlement;
import dev.ingestion.store.WebhookOutbox.State;

/**
 * Delivers the outbox's webhooks: {@link #deliverOnce()} claims what is due and makes one attempt
 * at each, as the dispatcher's {@code runOnce()} starts one batch, so tests drive the retry schedule
 * on a fake clock. The loop ({@link DeliveryLoop}) claims the same way and attempts on its pool.
 * Nothing here touches the upstream's rate limit.
 */
public final class Deliverer {

    private static final Logger log = LoggerFactory.getLogger(Deliverer.class);

    private final WebhookOutbox outbox;
    private final Payloads payloads;
    private final Signatures signatures;
    private final WebhookClient client;
    private final RetrySchedule schedule;
    private final Clock clock;
    private final String owner;
    private final Duration lease;
    private final DeliveryMetrics metrics;

    /**
     * @param owner this instance's name on the leases it takes
     * @param lease how long a claimed delivery is this instance's: past it another instance may
     *     try it (longer than an attempt's timeout, so that only a dead instance loses one)
     */
    Deliverer(
            WebhookOutbox outbox,
            Payloads payloads,
            Signatures signatures,
            WebhookClient client,
            RetrySchedule schedule,
            Clock clock,
            String owner,
            Duration lease,
            DeliveryMetrics metrics) {
        this.outbox = outbox;
        this.payloads = payloads;
        this.signatures = signatures;
        this.client = client;
        this.schedule = schedule;
        this.clock = clock;
        this.owner = owner;
        this.lease = lease;
        this.metrics = metrics;
    }

    /** Claims up to {@code limit} due deliveries and attempts each in turn; returns how many. */
    public int deliverOnce(int limit) {
        List<Due> due = claim(limit);
        due.forEach(this::attempt);
        return due.size();
    }

    public int deliverOnce() {
        return deliverOnce(100);
    }

    List<Due> claim(int limit) {
        Instant now = clock.instant();
        return outbox.claim(now, owner, now.plus(lease), limit);
    }

    /** One attempt at a claimed delivery, settled in the store. */
    void attempt(Due due) {
        Instant started = clock.instant();
        Optional<byte[]> body = payloads.of(due);
        Settlement settlement;
        if (body.isEmpty()) {
            settlement = new Settlement(State.FAILED, null, started, null, "the ingestion is no longer stored", 0);
        } else {
            String id = webhookId(due);
            long timestamp = started.getEpochSecond();
            String signature = signatures.sign(id, timestamp, new String(body.get(), StandardCharsets.UTF_8));
            WebhookClient.Answer answer = client.post(
                    due.url(),
                    Map.of(
                            "webhook-id", id,
                            "webhook-timestamp", Long.toString(timestamp),
                            "webhook-signature", signature),
                    body.get());
            if (Thread.currentThread().isInterrupted()) {
                // Shutting down mid-attempt: not the receiver's failure. The lease runs out and the
                // attempt is made again (at once after a restart of an embedded store).
                return;
            }
            settlement = schedule.settle(due.attempts() + 1, answer, started, clock.instant());
        }
        if (!outbox.settle(due, owner, settlement)) {
            log.warn(
                    "webhook {} to {}: the lease ran out during the attempt; another instance took the delivery over",
                    webhookId(due),
                    due.url());
            return;
        }
        metrics.attempted(due, settlement);
        if (settlement.state() != State.DELIVERED) {
            log.info(
                    "webhook {} ({}) to {}: attempt {} {}{}",
                    webhookId(due),
                    due.kind().label(),
                    due.url(),
                    due.attempts() + 1,
                    settlement.error(),
                    settlement.nextAttemptAt() == null
                            ? "; " + settlement.state().label()
                            : "; next attempt at " + settlement.nextAttemptAt());
        }
    }

    /**
     * The same for every attempt of one event, so receivers can drop duplicates: the event's
     * ingestion and its number there.
     */
    static String webhookId(Due due) {
        return webhookId(due.ingestionId(), due.seq());
    }

    static String webhookId(UUID ingestionId, int seq) {
        return "msg_" + ingestionId.toString().replace("-", "") + "_" + seq;
    }
}
