package dev.ingestion.store;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.ingestion.queue.EventKind;

/**
 * The webhooks' outbox: a delivery is written with the event it carries ({@link #enqueue}, in the
 * transaction of the change), claimed by one instance at a time under a lease ({@link #claim}),
 * and settled with each attempt ({@link #settle}).
 */
public final class WebhookOutbox {

    /** Where a delivery stands; the label is what the store keeps and clients see. */
    public enum State {
        PENDING,
        DELIVERED,
        /** Every attempt failed. */
        FAILED,
        /** Its receiver answered 410 Gone. */
        GONE,
        /** Another delivery to its URL was answered 410 Gone: never sent. */
        DROPPED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        static State ofLabel(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * A claimed delivery, ready for its next attempt.
     *
     * @param attempts the attempts made before this one
     * @param occurredAt when its event happened
     * @param batchIndex the batch of a {@link EventKind#BATCH_COMPLETED}; null otherwise
     */
    public record Due(
            UUID ingestionId, int seq, EventKind kind, URI url, int attempts, Instant occurredAt, Integer batchIndex) {}

    /** What an attempt came to; {@code state} PENDING with {@code nextAttemptAt} for a retry. */
    public record Settlement(
            State state, Instant nextAttemptAt, Instant attemptedAt, Integer statusCode, String error, int millis) {}

    /** A delivery as GET /ingestions/{id}/deliveries shows it. */
    public record Delivery(
            UUID ingestionId,
            int seq,
            EventKind kind,
            URI url,
            State state,
            int attempts,
            Instant createdAt,
            Instant nextAttemptAt,
            Instant deliveredAt,
            List<Attempt> history) {}

    public record Attempt(int attempt, Instant at, Integer statusCode, String error, int millis) {}

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;

    public WebhookOutbox(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * Runs in the caller's transaction, right after the event was appended: the delivery takes the
     * event's number from the ingestion's row. A URL that answered 410 before gets its delivery
     * dropped at once.
     */
    static void enqueue(JdbcClient jdbc, UUID ingestionId, EventKind kind, URI url, Instant now) {
        jdbc.sql("""
                INSERT INTO webhook_delivery (ingestion_id, seq, kind, url, state, next_attempt_at, created_at)
                SELECT i.id, i.last_event, :kind, :url,
                       CASE WHEN g.url IS NULL THEN 'pending' ELSE 'dropped' END,
                       CASE WHEN g.url IS NULL THEN :now END,
                       :now
                FROM ingestion i LEFT JOIN webhook_gone g ON g.url = :url
                WHERE i.id = :ingestion
                """)
                .param("ingestion", ingestionId)
                .param("kind", kind.label())
                .param("url", url.toString())
                .param("now", Sql.ts(now))
                .update();
    }

    /**
     * Leases up to {@code limit} deliveries due at {@code now}, oldest due first. Each is taken by
     * a conditional update of its own: an instance that lost the race to another updates nothing
     * (on PostgreSQL it waits for the winner's commit and then finds the lease taken).
     */
    public List<Due> claim(Instant now, String owner, Instant leaseUntil, int limit) {
        List<Due> candidates = jdbc.sql("""
                SELECT d.ingestion_id, d.seq, d.kind, d.url, d.attempts, e.occurred_at, e.batch_idx
                FROM webhook_delivery d JOIN ingestion_event e ON e.ingestion_id = d.ingestion_id AND e.seq = d.seq
                WHERE d.next_attempt_at <= :now AND d.state = 'pending'
                  AND (d.lease_until IS NULL OR d.lease_until <= :now)
                ORDER BY d.next_attempt_at, d.ingestion_id, d.seq
                LIMIT :limit
                """)
                .param("now", Sql.ts(now))
                .param("limit", limit)
                .query((rs, n) -> new Due(
                        rs.getObject("ingestion_id", UUID.class),
                        rs.getInt("seq"),
                        EventKind.ofLabel(rs.getString("kind")),
                        URI.create(rs.getString("url")),
                        rs.getInt("attempts"),
                        Sql.instant(rs, "occurred_at"),
                        (Integer) rs.getObject("batch_idx")))
                .list();
        List<Due> claimed = new ArrayList<>(candidates.size());
        for (Due due : candidates) {
            int taken = jdbc.sql("""
                    UPDATE webhook_delivery SET lease_owner = :owner, lease_until = :until
                    WHERE ingestion_id = :ingestion AND seq = :seq AND state = 'pending' AND attempts = :attempts
                      AND next_attempt_at <= :now AND (lease_until IS NULL OR lease_until <= :now)
                    """)
                    .param("owner", owner)
                    .param("until", Sql.ts(leaseUntil))
                    .param("ingestion", due.ingestionId())
                    .param("seq", due.seq())
                    .param("attempts", due.attempts())
                    .param("now", Sql.ts(now))
                    .update();
            if (taken == 1) {
                claimed.add(due);
            }
        }
        return claimed;
    }

    /**
     * Records an attempt and what follows from it, if {@code owner} still holds the delivery's
     * lease (else another instance has taken it over, and its attempt is the one that counts).
     * A 410 also drops every pending delivery to the same URL and keeps the URL from new ones.
     *
     * @return whether the attempt was recorded
     */
    public boolean settle(Due due, String owner, Settlement settlement) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            int updated = jdbc.sql("""
                    UPDATE webhook_delivery
                    SET attempts = attempts + 1, state = :state, next_attempt_at = :next,
                        lease_owner = NULL, lease_until = NULL, delivered_at = :delivered
                    WHERE ingestion_id = :ingestion AND seq = :seq AND lease_owner = :owner AND state = 'pending'
                    """)
                    .param("state", settlement.state().label())
                    .param("next", settlement.nextAttemptAt() == null ? null : Sql.ts(settlement.nextAttemptAt()))
                    .param("delivered", settlement.state() == State.DELIVERED ? Sql.ts(settlement.attemptedAt()) : null)
                    .param("ingestion", due.ingestionId())
                    .param("seq", due.seq())
                    .param("owner", owner)
                    .update();
            if (updated == 0) {
                return false;
            }
            jdbc.sql("""
                    INSERT INTO webhook_attempt (ingestion_id, seq, attempt, attempted_at, status_code, error, duration_ms)
                    VALUES (:ingestion, :seq, :attempt, :at, :code, :error, :millis)
                    """)
                    .param("ingestion", due.ingestionId())
                    .param("seq", due.seq())
                    .param("attempt", due.attempts() + 1)
                    .param("at", Sql.ts(settlement.attemptedAt()))
                    .param("code", settlement.statusCode())
                    .param("error", settlement.error() == null ? null : abbreviate(settlement.error()))
                    .param("millis", settlement.millis())
                    .update();
            if (settlement.state() == State.GONE) {
                forget(due.url(), settlement.attemptedAt());
            }
            return true;
        }));
    }

    private void forget(URI url, Instant at) {
        jdbc.sql("""
                UPDATE webhook_delivery SET state = 'dropped', next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL
                WHERE url = :url AND state = 'pending'
                """).param("url", url.toString()).update();
        jdbc.sql("""
                INSERT INTO webhook_gone (url, gone_at)
                SELECT :url, :at WHERE NOT EXISTS (SELECT 1 FROM webhook_gone WHERE url = :url)
                """).param("url", url.toString()).param("at", Sql.ts(at)).update();
    }

    private static String abbreviate(String error) {
        return error.length() <= 512 ? error : error.substring(0, 509) + "...";
    }

    /** An ingestion's deliveries in event order, each with its attempts. */
    public List<Delivery> ofIngestion(UUID ingestionId) {
        Map<Integer, List<Attempt>> history = new HashMap<>();
        jdbc.sql("""
                SELECT seq, attempt, attempted_at, status_code, error, duration_ms
                FROM webhook_attempt WHERE ingestion_id = :ingestion ORDER BY seq, attempt
                """).param("ingestion", ingestionId).query(rs -> {
            history.computeIfAbsent(rs.getInt("seq"), seq -> new ArrayList<>())
                    .add(new Attempt(
                            rs.getInt("attempt"),
                            Sql.instant(rs, "attempted_at"),
                            (Integer) rs.getObject("status_code"),
                            rs.getString("error"),
                            rs.getInt("duration_ms")));
        });
        return jdbc.sql("""
                SELECT seq, kind, url, state, attempts, created_at, next_attempt_at, delivered_at
                FROM webhook_delivery WHERE ingestion_id = :ingestion ORDER BY seq
                """)
                .param("ingestion", ingestionId)
                .query((rs, n) -> new Delivery(
                        ingestionId,
                        rs.getInt("seq"),
                        EventKind.ofLabel(rs.getString("kind")),
                        URI.create(rs.getString("url")),
                        State.ofLabel(rs.getString("state")),
                        rs.getInt("attempts"),
                        Sql.instant(rs, "created_at"),
                        Sql.instant(rs, "next_attempt_at"),
                        Sql.instant(rs, "delivered_at"),
                        history.getOrDefault(rs.getInt("seq"), List.of())))
                .list();
    }

    /**
     * For an embedded store at start-up, when no other process can hold a lease: attempts cut
     * short by the last shutdown are due again at once.
     */
    public int releaseAllLeases() {
        return jdbc.sql(
                        "UPDATE webhook_delivery SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL")
                .update();
    }

    /** Deliveries waiting for an attempt, across the deployment: one index range. */
    public long pending() {
        return jdbc.sql("SELECT COUNT(*) FROM webhook_delivery WHERE next_attempt_at IS NOT NULL")
                .query(Long.class)
                .single();
    }
}
