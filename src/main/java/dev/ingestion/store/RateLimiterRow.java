package dev.ingestion.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;

import org.springframework.jdbc.core.simple.JdbcClient;

import dev.ingestion.queue.RateLimit;

/**
 * The global rate limiter as stored: one row holding the last start and the interval in force.
 * Every statement on it is here. Locking it serialises the claims of every thread and instance,
 * so whoever holds the lock sees the start the previous holder committed.
 */
final class RateLimiterRow {

    private static final String COLUMNS = "last_start, interval_ms, not_before, clean_slots, failing_slots, paused";

    /** The row as read: the rate's state, and whether an operator paused dispatch. */
    record Row(RateLimit.State state, boolean paused) {}

    private final JdbcClient jdbc;

    RateLimiterRow(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Locks the row until the current transaction ends and answers its state. Claims take it; so
     * do the reports of how the upstream took a slot, and recording the deployment settings, so
     * that instances starting together on an empty store take turns.
     */
    RateLimit.State lock(RateLimit rate) {
        return lockRow(rate).state();
    }

    /** {@link #lock(RateLimit)}, with the paused flag read in the same statement: for claims. */
    Row lockRow(RateLimit rate) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM rate_limiter WHERE id = 1 FOR UPDATE")
                .query((rs, n) -> new Row(state(rs, rate), rs.getBoolean("paused")))
                .single();
    }

    /** Locks the row until the current transaction ends, for a change that no claim may overlap. */
    void lock() {
        jdbc.sql("SELECT id FROM rate_limiter WHERE id = 1 FOR UPDATE")
                .query(Integer.class)
                .single();
    }

    /** The state without a lock: for estimates. */
    RateLimit.State state(RateLimit rate) {
        return row(rate).state();
    }

    /** The row without a lock: for the queue's totals. */
    Row row(RateLimit rate) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM rate_limiter WHERE id = 1")
                .query((rs, n) -> new Row(state(rs, rate), rs.getBoolean("paused")))
                .single();
    }

    /** Pauses or resumes dispatch; the lock makes it wait for a claim under way. */
    void pause(boolean paused) {
        lock();
        jdbc.sql("UPDATE rate_limiter SET paused = :paused WHERE id = 1")
                .param("paused", paused)
                .update();
    }

    Instant lastStart() {
        return jdbc.sql("SELECT last_start FROM rate_limiter WHERE id = 1")
                .query((rs, n) -> Sql.instant(rs, "last_start"))
                .single();
    }

    /** Records a start; only inside the transaction that holds {@link #lock(RateLimit)}. */
    void recordStart(Instant start) {
        jdbc.sql("UPDATE rate_limiter SET last_start = :start WHERE id = 1")
                .param("start", Sql.ts(start))
                .update();
    }

    /**
     * The fair-share counter as it stands: the ticket of the last start. Read without a lock. Tickets
     * go up by 2, so that a new ingestion or key can take the odd number just below it: behind
     * everyone waiting but the one that had the last turn.
     */
    long lastTurn() {
        return jdbc.sql("SELECT last_turn FROM rate_limiter WHERE id = 1")
                .query(Long.class)
                .single();
    }

    /** The next fair-share ticket; only inside the transaction that holds the lock. */
    long takeTurn() {
        jdbc.sql("UPDATE rate_limiter SET last_turn = last_turn + 2 WHERE id = 1")
                .update();
        return lastTurn();
    }

    /** Records how the interval adapted; only inside the transaction that holds the lock. */
    void adapt(RateLimit.State state) {
        jdbc.sql("""
                UPDATE rate_limiter SET interval_ms = :interval, not_before = :notBefore, clean_slots = :clean,
                                        failing_slots = :failing
                WHERE id = 1
                """)
                .param("interval", state.interval().toMillis())
                .param("notBefore", Sql.ts(state.notBefore()))
                .param("clean", state.cleanSlots())
                .param("failing", state.failingSlots())
                .update();
    }

    /**
     * An interval outside this instance's bounds (recorded under other settings) is brought within
     * them; none recorded is the floor.
     */
    private static RateLimit.State state(ResultSet rs, RateLimit rate) throws SQLException {
        long millis = rs.getLong("interval_ms");
        Duration interval = rs.wasNull() ? rate.floor() : Duration.ofMillis(millis);
        if (interval.compareTo(rate.floor()) < 0) {
            interval = rate.floor();
        } else if (interval.compareTo(rate.max()) > 0) {
            interval = rate.max();
        }
        return new RateLimit.State(
                Sql.instant(rs, "last_start"),
                interval,
                Sql.instant(rs, "not_before"),
                rs.getInt("clean_slots"),
                rs.getInt("failing_slots"));
    }
}
