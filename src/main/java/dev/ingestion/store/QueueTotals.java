package dev.ingestion.store;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

import javax.sql.DataSource;

import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.RecordState;

/**
 * The queue at a glance, in a few reads whatever its length: the waiting work per priority from
 * the running totals, the batches started and not done, the limiter's row, and the starts and
 * failures of the last hour through their time indexes.
 */
public final class QueueTotals {

    /** Batches and ids of one priority that have not started. */
    public record Waiting(long batches, long ids) {}

    /** Counts over the last minute and the last hour. */
    public record Recent(long lastMinute, long lastHour) {}

    /**
     * @param inFlight batches running now (a live lease)
     * @param toRunAgain started batches waiting to run again: handed back after a failure, a drain
     *     or a lease that ran out
     * @param failedIds ids that failed for good
     */
    public record Summary(
            Map<Priority, Waiting> waiting,
            long inFlight,
            long toRunAgain,
            boolean paused,
            RateLimit.State limiter,
            Recent starts,
            Recent failedIds) {}

    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Duration HOUR = Duration.ofHours(1);

    private final JdbcClient jdbc;
    private final RateLimiterRow limiter;

    public QueueTotals(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.limiter = new RateLimiterRow(jdbc);
    }

    public Summary read(RateLimit rate, Instant now) {
        Map<Priority, long[]> totals = new EnumMap<>(Priority.class);
        jdbc.sql("SELECT counter, priority, batches, ids FROM queue_tally").query((RowCallbackHandler) rs -> {
            long sign = "enqueued".equals(rs.getString("counter")) ? 1 : -1;
            long[] total = totals.computeIfAbsent(Sql.priority(rs, "priority"), p -> new long[2]);
            total[0] += sign * rs.getLong("batches");
            total[1] += sign * rs.getLong("ids");
        });
        Map<Priority, Waiting> waiting = new EnumMap<>(Priority.class);
        for (Priority priority : Priority.values()) {
            long[] total = totals.getOrDefault(priority, new long[2]);
            waiting.put(priority, new Waiting(total[0], total[1]));
        }
        long[] started = {0, 0};
        jdbc.sql("""
                SELECT COUNT(*) AS running, SUM(CASE WHEN lease_until >= :now THEN 1 ELSE 0 END) AS live
                FROM batch WHERE status = 'triggered'
                """).param("now", Sql.ts(now)).query((RowCallbackHandler) rs -> {
            started[0] = rs.getLong("running");
            started[1] = rs.getLong("live");
        });
        RateLimiterRow.Row row = limiter.row(rate);
        return new Summary(
                waiting,
                started[1],
                started[0] - started[1],
                row.paused(),
                row.state(),
                recent("SELECT started_at AS moment FROM batch_start WHERE started_at >= :hour", now, null),
                recent(
                        "SELECT fetched_at AS moment FROM record WHERE state = :failed AND fetched_at >= :hour",
                        now,
                        RecordState.FAILED.label()));
    }

    private Recent recent(String rows, Instant now, String failed) {
        var query = jdbc.sql(
                        "SELECT COUNT(*) AS in_hour, SUM(CASE WHEN moment >= :minute THEN 1 ELSE 0 END) AS in_minute FROM ("
                                + rows + ") recent")
                .param("hour", Sql.ts(now.minus(HOUR)))
                .param("minute", Sql.ts(now.minus(MINUTE)));
        if (failed != null) {
            query = query.param("failed", failed);
        }
        return query.query((rs, n) -> new Recent(rs.getLong("in_minute"), rs.getLong("in_hour")))
                .single();
    }
}
