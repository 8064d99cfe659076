package dev.ingestion.store;

import java.time.Instant;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The global rate limiter as stored: one row holding the last start. Every statement on it is
 * here. Locking it serialises the claims of every thread and instance, so whoever holds the lock
 * sees the start the previous holder committed.
 */
final class RateLimiterRow {

    private final JdbcClient jdbc;

    RateLimiterRow(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Locks the row until the current transaction ends and answers the last start. Claims take
     * it; so does recording the deployment settings, so that instances starting together on an
     * empty store take turns, and no claim runs under settings being replaced.
     */
    Instant lock() {
        return jdbc.sql("SELECT last_start FROM rate_limiter WHERE id = 1 FOR UPDATE")
                .query((rs, n) -> Sql.instant(rs, "last_start"))
                .single();
    }

    /** The last start, without a lock: for estimates. */
    Instant lastStart() {
        return jdbc.sql("SELECT last_start FROM rate_limiter WHERE id = 1")
                .query((rs, n) -> Sql.instant(rs, "last_start"))
                .single();
    }

    /** Records a start; only inside the transaction that holds {@link #lock()}. */
    void recordStart(Instant start) {
        jdbc.sql("UPDATE rate_limiter SET last_start = :start WHERE id = 1")
                .param("start", Sql.ts(start))
                .update();
    }
}
