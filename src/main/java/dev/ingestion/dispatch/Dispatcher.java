package dev.ingestion.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.SlotOrder;
import dev.ingestion.store.QueueStore;
import dev.ingestion.upstream.Outcome;
import dev.ingestion.upstream.RetryPolicy;
import dev.ingestion.upstream.Upstream;

/**
 * The engine's one step: take the rate limiter's slot if it is open and a batch waits, then send
 * that batch's fetches. It never sleeps; {@link DispatcherLoop} decides when to call it, and tests
 * call {@link #runOnce()} directly on a fake clock.
 *
 * <p>Two clocks: {@code decisions} decides slots and leases, and is the database's on PostgreSQL
 * so that skew between instances cannot move a slot; {@code clock}, this instance's, times what
 * decides nothing (when a record was stored), and costs no query.
 */
public final class Dispatcher {

    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final QueueStore store;
    private final Upstream upstream;
    private final RetryPolicy retries;
    private final Clock clock;
    private final Clock decisions;
    private final RateLimit rateLimit;
    private final Duration lease;
    private final String owner;
    private final Executor workers;
    private final Map<BatchKey, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final DispatchEvents events;
    /** Slot packing and fair share (INGEST_PACKING, INGEST_FAIRNESS). */
    private final SlotOrder order;
    /** The slot the last refused claim named: a start right after it is late by the difference. */
    private volatile Instant awaitedSlot;
    /** The interval in force as this instance last saw it, for metrics and the log. */
    private volatile Duration effectiveInterval;

    private volatile boolean breakerOpen;
    /** When the last claim read the deciding clock, on this JVM's monotonic clock. */
    private volatile long decidedAtNanos;

    /** Failed ids run again at the next slot their batch gets, as often as it takes. */
    private static final RetryPolicy AT_THE_NEXT_SLOT = new RetryPolicy(Duration.ZERO, Integer.MAX_VALUE, () -> 0);

    /** One clock for everything, and failed ids tried again at their batch's next slot, for ever. */
    public Dispatcher(
            QueueStore store,
            Upstream upstream,
            Clock clock,
            RateLimit rateLimit,
            Duration lease,
            String owner,
            Executor workers) {
        this(
                store,
                upstream,
                AT_THE_NEXT_SLOT,
                clock,
                clock,
                rateLimit,
                lease,
                owner,
                workers,
                DispatchEvents.NONE,
                SlotOrder.FIRST_IN_FIRST_OUT);
    }

    /**
     * @param clock this instance's: for times that decide nothing
     * @param decisions decides slots and leases
     * @param workers runs the store writes that follow each fetch, off the upstream's threads
     * @param order slot packing and fair share, each off in {@link SlotOrder#FIRST_IN_FIRST_OUT}
     */
    public Dispatcher(
            QueueStore store,
            Upstream upstream,
            RetryPolicy retries,
            Clock clock,
            Clock decisions,
            RateLimit rateLimit,
            Duration lease,
            String owner,
            Executor workers,
            DispatchEvents events,
            SlotOrder order) {
        this.events = events;
        this.order = order;
        this.store = store;
        this.upstream = upstream;
        this.retries = retries;
        this.clock = clock;
        this.decisions = decisions;
        this.rateLimit = rateLimit;
        this.effectiveInterval = rateLimit.floor();
        this.lease = lease;
        this.owner = owner;
        this.workers = workers;
    }

    public Claim runOnce() {
        long began = System.nanoTime();
        Claim claim = store.claim(this::decide, rateLimit, owner, lease, order.packUpTo(), order.fairness());
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        Duration lateness = null;
        if (claim instanceof Claim.Started started) {
            Instant slot = awaitedSlot;
            lateness =
                    slot == null ? null : Duration.between(slot, started.batch().startedAt());
            awaitedSlot = null;
            for (ClaimedBatch batch : started.batches()) {
                BatchLog.started(batch, lateness);
            }
            launch(started.batches());
        } else {
            awaitedSlot = claim instanceof Claim.NotBefore notBefore ? notBefore.slot() : null;
        }
        events.claimed(claim, took, lateness);
        return claim;
    }

    private Instant decide() {
        Instant now = decisions.instant();
        decidedAtNanos = System.nanoTime();
        return now;
    }

    /**
     * How long from now until the slot a refused claim named. Counted from the moment the claim
     * read the time, not from its return: the claim's commit can take tens of milliseconds under
     * load on PostgreSQL (it locked the limiter row), and sleeping the whole wait after it made
     * starts that late.
     */
    Duration untilSlot(Claim.NotBefore refused) {
        return refused.untilSlot().minusNanos(System.nanoTime() - decidedAtNanos);
    }

    /**
     * Sends the ids of every batch of the slot in one call, as one batch's are without packing, and
     * settles each answer with its own batch.
     */
    private void launch(List<ClaimedBatch> batches) {
        List<Attempt> attempts = new ArrayList<>(batches.size());
        List<ClaimedBatch.Item> items = new ArrayList<>();
        List<Attempt> owners = new ArrayList<>();
        for (ClaimedBatch batch : batches) {
            log.debug(
                    "started batch {} of {} (attempt {}), {} ids to fetch",
                    batch.index(),
                    batch.ingestionId(),
                    batch.attempt(),
                    batch.pending().size());
            Attempt attempt = new Attempt(batch, store, retries, clock, owner, events);
            attempts.add(attempt);
            for (ClaimedBatch.Item item : batch.toFetch()) {
                items.add(item);
                owners.add(attempt);
            }
        }
        SlotRun slot = new SlotRun(attempts, this);
        List<CompletableFuture<Outcome>> answers = items.isEmpty()
                ? List.of()
                : upstream.fetch(items.stream().map(ClaimedBatch.Item::id).toList());
        long sent = System.nanoTime();
        CompletableFuture<?>[] fetches = new CompletableFuture<?>[items.size()];
        for (int i = 0; i < fetches.length; i++) {
            ClaimedBatch.Item item = items.get(i);
            Attempt attempt = owners.get(i);
            CompletableFuture<Outcome> answer = answers.get(i);
            answer.thenAccept(outcome -> events.answered(outcome, Duration.ofNanos(System.nanoTime() - sent)));
            fetches[i] = answer.thenAcceptAsync(outcome -> attempt.settle(item, outcome), workers);
        }
        CompletableFuture<Void> run = CompletableFuture.allOf(fetches).thenRunAsync(slot::finish, workers);
        for (ClaimedBatch batch : batches) {
            inFlight.put(new BatchKey(batch.ingestionId(), batch.index()), run);
        }
        run.whenComplete((done, failure) -> {
            for (ClaimedBatch batch : batches) {
                inFlight.remove(new BatchKey(batch.ingestionId(), batch.index()), run);
            }
            if (failure != null) {
                // Storing an outcome failed (the store is unreachable, say): the slot's batches go
                // back to their places in the order and run again at later slots, fetching only what
                // is still missing. Not an attempt that counts: the upstream may well have answered.
                // A batch of the slot that completed keeps its state: the release asks for a lease
                // it no longer has.
                for (ClaimedBatch batch : batches) {
                    log.warn("batch {} of {} failed; it will run again", batch.index(), batch.ingestionId(), failure);
                    events.batchFailed();
                    try {
                        store.releaseLease(batch.ingestionId(), batch.index(), owner);
                    } catch (RuntimeException unreachable) {
                        // its lease runs out instead; the next batch of the slot still gets its try
                        log.debug(
                                "could not give back batch {} of {}", batch.index(), batch.ingestionId(), unreachable);
                    }
                }
            }
        });
    }

    /**
     * Tells the deployment's rate limiter how the upstream took the slot of an attempt that has
     * just ended (see {@link RateLimit}).
     */
    void reportSlot(RateLimit.Slot slot, Duration retryAfter) {
        RateLimit.State after = store.reportSlot(decisions::instant, rateLimit, slot, retryAfter);
        Duration before = effectiveInterval;
        effectiveInterval = after.interval();
        boolean wasOpen = breakerOpen;
        breakerOpen = rateLimit.breakerOpen(after);
        if (breakerOpen && !wasOpen) {
            log.warn(
                    "the upstream looks down ({} slots in a row without an answer): each slot now sends one probe, "
                            + "and attempts do not count until one is answered",
                    after.failingSlots());
        } else if (wasOpen && !breakerOpen) {
            log.info("the upstream answered a probe: back to whole batches");
        }
        if (!after.interval().equals(before)) {
            if (slot == RateLimit.Slot.THROTTLED) {
                log.warn(
                        "the upstream throttles: the interval is now {} (configured {}){}",
                        after.interval(),
                        rateLimit.floor(),
                        after.notBefore() == null ? "" : ", no slot before " + after.notBefore());
            } else {
                log.info(
                        "the upstream keeps up: the interval is now {} (configured {})",
                        after.interval(),
                        rateLimit.floor());
            }
        }
    }

    /** Whether the breaker was open when this instance last reported a slot. */
    public boolean breakerOpen() {
        return breakerOpen;
    }

    /** The interval in force as this instance last saw it. */
    public Duration effectiveInterval() {
        return effectiveInterval;
    }

    /** Keeps the leases of running batches alive, so that no other instance takes them over. */
    public void renewLeases() {
        if (inFlight.isEmpty()) {
            return;
        }
        Instant until = decisions.instant().plus(lease);
        for (BatchKey key : inFlight.keySet()) {
            store.renewLease(key.ingestionId(), key.index(), owner, until);
        }
    }

    public int inFlight() {
        return inFlight.size();
    }

    /** Waits for the running batches to store their records; returns whether all finished in time. */
    public boolean drain(Duration timeout) {
        try {
            CompletableFuture.allOf(inFlight.values().toArray(CompletableFuture[]::new))
                    .get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception failed) {
            return inFlight.isEmpty();
        }
    }

    /**
     * Gives back the lease of every batch this instance still runs, for a shutdown that cannot
     * wait for them: another instance, or this one restarted, runs their missing ids at its next
     * slot instead of after the lease. Answers that still come in are stored as usual.
     *
     * @return how many batches were given back
     */
    public int handBack() {
        return store.releaseLeasesOf(owner);
    }

    Duration lease() {
        return lease;
    }

    private record BatchKey(UUID ingestionId, int index) {}
}
