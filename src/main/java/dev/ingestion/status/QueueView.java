package dev.ingestion.status;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.QueueTotals;

/** The queue at a glance as GET /queue and the event stream's queue events show it. */
public record QueueView(
        boolean paused,
        long interval_ms,
        long configured_interval_ms,
        String last_start,
        String next_slot,
        Map<Priority, Waiting> waiting,
        long in_flight,
        long to_run_again,
        Recent starts,
        Recent failed_ids) {

    public record Waiting(long batches, long ids) {}

    public record Recent(long last_minute, long last_hour) {}

    public static QueueView of(QueueTotals.Summary summary, RateLimit rate) {
        Map<Priority, Waiting> waiting = new LinkedHashMap<>();
        summary.waiting().forEach((priority, w) -> waiting.put(priority, new Waiting(w.batches(), w.ids())));
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
                new Recent(summary.starts().lastMinute(), summary.starts().lastHour()),
                new Recent(summary.failedIds().lastMinute(), summary.failedIds().lastHour()));
    }
}
