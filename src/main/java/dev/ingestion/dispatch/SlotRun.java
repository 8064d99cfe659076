package dev.ingestion.dispatch;

import java.util.ArrayList;
import java.util.List;

import dev.ingestion.queue.RateLimit;
import dev.ingestion.upstream.Outcome;

/**
 * The attempts of the batches one slot carried (one without slot packing). The rate limiter
 * counts slots, not batches: the upstream took one call's worth of ids, so the slot is reported
 * once, throttled if any answer asked to slow down, answered if any came, else down. Only then
 * does each batch settle what is left of it (a retry, a failure for good), as before.
 */
final class SlotRun {

    private final List<Attempt> attempts;
    private final Dispatcher dispatcher;

    SlotRun(List<Attempt> attempts, Dispatcher dispatcher) {
        this.attempts = List.copyOf(attempts);
        this.dispatcher = dispatcher;
    }

    /** Called once every outcome of every batch of the slot is settled. */
    void finish() {
        if (attempts.stream().anyMatch(Attempt::sent)) {
            List<Outcome.Transient> throttled = new ArrayList<>();
            attempts.forEach(attempt -> throttled.addAll(attempt.throttled()));
            RateLimit.Slot slot = !throttled.isEmpty()
                    ? RateLimit.Slot.THROTTLED
                    : attempts.stream().anyMatch(Attempt::answered) ? RateLimit.Slot.ANSWERED : RateLimit.Slot.DOWN;
            dispatcher.reportSlot(slot, Attempt.longest(throttled));
        }
        attempts.forEach(Attempt::finish);
    }
}
