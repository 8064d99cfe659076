package dev.ingestion.status;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.QueueTotals;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * {@code GET /queue}: the whole deployment's queue at a glance. Totals only, no ingestion's
 * details, so every key may read it.
 */
@RestController
@Tag(name = "Queue")
class QueueController {

    private final QueueTotals totals;
    private final RateLimit rate;
    private final Clock clock;

    QueueController(QueueTotals totals, RateLimit rate, Clock clock) {
        this.totals = totals;
        this.rate = rate;
        this.clock = clock;
    }

    /** The answer as the API docs show it. */
    record QueueView(
            boolean paused,
            long interval_ms,
            long configured_interval_ms,
            String last_start,
            String next_slot,
            Map<Priority, WaitingView> waiting,
            long in_flight,
            long to_run_again,
            RecentView starts,
            RecentView failed_ids) {}

    record WaitingView(long batches, long ids) {}

    record RecentView(long last_minute, long last_hour) {}

    @Operation(
            summary = "The queue at a glance: waiting work per priority, batches running, the rate in force, "
                    + "the next slot, recent starts and failures, paused or not")
    @GetMapping(value = "/queue", produces = MediaType.APPLICATION_JSON_VALUE)
    QueueView queue(HttpServletRequest request) {
        Caller.of(request);
        Instant now = clock.instant();
        QueueTotals.Summary summary = totals.read(rate, now);
        Map<Priority, WaitingView> waiting = new LinkedHashMap<>();
        summary.waiting().forEach((priority, w) -> waiting.put(priority, new WaitingView(w.batches(), w.ids())));
        RateLimit.State limiter = summary.limiter();
        boolean started = limiter.lastStart().isAfter(Instant.EPOCH);
        return new QueueView(
                summary.paused(),
                limiter.interval().toMillis(),
                rate.floor().toMillis(),
                started ? Timestamps.format(limiter.lastStart()) : null,
                summary.paused() ? null : Timestamps.format(rate.slotAfter(limiter)),
                waiting,
                summary.inFlight(),
                summary.toRunAgain(),
                new RecentView(summary.starts().lastMinute(), summary.starts().lastHour()),
                new RecentView(
                        summary.failedIds().lastMinute(), summary.failedIds().lastHour()));
    }
}
