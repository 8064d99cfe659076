package dev.ingestion.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import dev.ingestion.store.QueueStore;
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
    private final Clock clock;
    private final Clock decisions;
    private final RateLimit rateLimit;
    private final Duration lease;
    private final String owner;
    private final Executor workers;
    private final Map<BatchKey, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private final DispatchEvents events;
    /** The slot the last refused claim named: a start right after it is late by the difference. */
    private volatile Instant awaitedSlot;

    /**
     * @param workers runs the store writes that follow each fetch, off the upstream's threads
     */
    public Dispatcher(
            QueueStore store,
            Upstream upstream,
            Clock clock,
            RateLimit rateLimit,
            Duration lease,
            String owner,
            Executor workers) {
        this(store, upstream, clock, clock, rateLimit, lease, owner, workers, DispatchEvents.NONE);
    }

    public Dispatcher(
            QueueStore store,
            Upstream upstream,
            Clock clock,
            Clock decisions,
            RateLimit rateLimit,
            Duration lease,
            String owner,
            Executor workers,
            DispatchEvents events) {
        this.events = events;
        this.store = store;
        this.upstream = upstream;
        this.clock = clock;
        this.decisions = decisions;
        this.rateLimit = rateLimit;
        this.lease = lease;
        this.owner = owner;
        this.workers = workers;
    }

    public Claim runOnce() {
        long began = System.nanoTime();
        Claim claim = store.claim(decisions::instant, rateLimit, owner, lease);
        Duration took = Duration.ofNanos(System.nanoTime() - began);
        Duration lateness = null;
        if (claim instanceof Claim.Started started) {
            Instant slot = awaitedSlot;
            lateness =
                    slot == null ? null : Duration.between(slot, started.batch().startedAt());
            awaitedSlot = null;
            launch(started.batch());
        } else {
            awaitedSlot = claim instanceof Claim.NotBefore notBefore ? notBefore.slot() : null;
        }
        events.claimed(claim, took, lateness);
        return claim;
    }

    private void launch(ClaimedBatch batch) {
        BatchKey key = new BatchKey(batch.ingestionId(), batch.index());
        log.debug(
                "started batch {} of {} (attempt {}), {} ids to fetch",
                batch.index(),
                batch.ingestionId(),
                batch.attempt(),
                batch.pending().size());
        if (batch.pending().isEmpty()) {
            store.completeIfAllStored(batch.ingestionId(), batch.index(), timeAfter(batch));
            return;
        }
        CompletableFuture<?>[] fetches = batch.pending().stream()
                .map(item -> upstream.fetch(item.id())
                        .thenAcceptAsync(
                                data -> {
                                    store.saveRecord(
                                            batch.ingestionId(),
                                            batch.index(),
                                            item.position(),
                                            data,
                                            timeAfter(batch));
                                    events.recordStored();
                                },
                                workers))
                .toArray(CompletableFuture[]::new);
        CompletableFuture<Void> run = CompletableFuture.allOf(fetches);
        inFlight.put(key, run);
        run.whenComplete((done, failure) -> {
            inFlight.remove(key, run);
            if (failure != null) {
                // The batch goes back to its place in the order and runs again at a later slot,
                // fetching only what is still missing.
                log.warn("batch {} of {} failed; it will run again", batch.index(), batch.ingestionId(), failure);
                events.batchFailed();
                store.releaseLease(batch.ingestionId(), batch.index(), owner);
            }
        });
    }

    /**
     * This instance's time, but never before the batch's start, which the deciding clock wrote: a
     * batch must not look completed before it started when the two clocks disagree.
     */
    private Instant timeAfter(ClaimedBatch batch) {
        Instant now = clock.instant();
        return now.isBefore(batch.startedAt()) ? batch.startedAt() : now;
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

    Duration lease() {
        return lease;
    }

    private record BatchKey(UUID ingestionId, int index) {}
}
