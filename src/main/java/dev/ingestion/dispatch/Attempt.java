package dev.ingestion.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.store.QueueStore;
import dev.ingestion.upstream.Outcome;
import dev.ingestion.upstream.RetryPolicy;
import tools.jackson.databind.json.JsonMapper;

/**
 * One upstream attempt of a claimed batch. Each id's outcome is stored as it comes: a record, or a
 * final failure. The ids that failed for a reason worth trying again retry together: once every
 * answer is in, the batch is handed back to run no sooner than the latest of their due times, or,
 * when they have used up their attempts, they fail for good.
 */
final class Attempt {

    private record Retry(ClaimedBatch.Item item, Outcome.Transient outcome) {}

    private final ClaimedBatch batch;
    private final QueueStore store;
    private final RetryPolicy policy;
    private final Clock clock;
    private final String owner;
    private final DispatchEvents events;
    private final List<Retry> retries = new ArrayList<>();
    /** Whether the upstream answered any call of this attempt (a record, a 404, a 429: it is up). */
    private volatile boolean answered;

    Attempt(
            ClaimedBatch batch,
            QueueStore store,
            RetryPolicy policy,
            Clock clock,
            String owner,
            DispatchEvents events) {
        this.batch = batch;
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.owner = owner;
        this.events = events;
    }

    /** The attempts each of this batch's ids will have had once this one is over. */
    private int attempts() {
        return batch.priorAttempts() + 1;
    }

    void settle(ClaimedBatch.Item item, Outcome outcome) {
        if (outcome instanceof Outcome.Fetched fetched) {
            answered = true;
            completedIf(store.saveRecord(batch.ingestionId(), batch.index(), item.position(), fetched.json(), now()));
            events.recordStored();
        } else if (outcome instanceof Outcome.Final failed) {
            answered = true;
            fail(item, failed.failure(), attempts());
        } else if (outcome instanceof Outcome.Transient retry) {
            if (!down(retry)) {
                answered = true; // only ever set, never cleared: answers settle on several threads
            }
            synchronized (retries) {
                retries.add(new Retry(item, retry));
            }
        }
    }

    /** Whether this attempt sent anything to the upstream: a re-run may find every id stored. */
    boolean sent() {
        return !batch.pending().isEmpty();
    }

    /** Whether the upstream answered any call of this attempt: a record, a 404, a 429 (it is up). */
    boolean answered() {
        return answered;
    }

    /** The answers of this attempt that asked it to slow down. */
    List<Outcome.Transient> throttled() {
        synchronized (retries) {
            return retries.stream()
                    .map(Retry::outcome)
                    .filter(Outcome.Transient::throttled)
                    .toList();
        }
    }

    /**
     * Called once every outcome is settled, after the slot it went out in was reported to the rate
     * limiter (once per slot, however many batches it carried: see {@link SlotRun}).
     */
    void finish() {
        if (batch.pending().isEmpty()) {
            completedIf(store.completeIfAllStored(batch.ingestionId(), batch.index(), now()));
            return;
        }
        List<Retry> due;
        synchronized (retries) {
            due = List.copyOf(retries);
        }
        if (batch.probe()) {
            // The upstream was taken to be down: what is left of the batch runs again at the next
            // slot it gets, and this attempt does not count.
            if (!due.isEmpty() || batch.toFetch().size() < batch.pending().size()) {
                store.scheduleRetry(
                        batch.ingestionId(), batch.index(), owner, batch.startedAt(), batch.priorAttempts(), now());
                events.retryScheduled(due.size(), batch.startedAt());
            }
            return;
        }
        if (due.isEmpty()) {
            return;
        }
        if (!policy.mayRetry(attempts())) {
            due.forEach(retry -> fail(retry.item(), retry.outcome().failure(), attempts()));
            return;
        }
        Instant at = policy.nextAttempt(
                batch.startedAt(),
                attempts(),
                longest(due.stream().map(Retry::outcome).toList()));
        store.scheduleRetry(batch.ingestionId(), batch.index(), owner, at, attempts(), now());
        events.retryScheduled(due.size(), at);
    }

    /** Whether a failure says the upstream is down, not that it answered: no answer at all, or a 5xx. */
    private static boolean down(Outcome.Transient failure) {
        return !failure.throttled()
                && (failure.failure().status() == 0 || failure.failure().status() >= 500);
    }

    /** The longest {@code Retry-After} among these outcomes, or null when none asked for one. */
    static Duration longest(List<Outcome.Transient> outcomes) {
        return outcomes.stream()
                .map(Outcome.Transient::retryAfter)
                .filter(wait -> wait != null)
                .max(Duration::compareTo)
                .orElse(null);
    }

    private void fail(ClaimedBatch.Item item, Outcome.Failure failure, int attempts) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("kind", failure.kind());
        error.put("status", failure.status() == 0 ? null : failure.status());
        error.put("message", failure.message());
        error.put("attempts", attempts);
        completedIf(store.saveFailure(
                batch.ingestionId(),
                batch.index(),
                item.position(),
                JsonMapper.shared().writeValueAsString(error),
                now()));
        events.failedForGood(failure.kind());
    }

    /** The write that stores a batch's last outcome completes it: the one that says so logs it. */
    private void completedIf(boolean completed) {
        if (completed) {
            BatchLog.completed(batch);
        }
    }

    /**
     * This instance's time, but never before the batch's start, which the deciding clock wrote: a
     * batch must not look completed before it started when the two clocks disagree.
     */
    private Instant now() {
        Instant now = clock.instant();
        return now.isBefore(batch.startedAt()) ? batch.startedAt() : now;
    }
}
