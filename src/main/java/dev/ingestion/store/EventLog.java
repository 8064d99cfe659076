package dev.ingestion.store;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Priority;

/**
 * The event log: {@link #append} inside the transaction of the change it records, {@link #after}
 * for the reader that tails the deployment's events.
 */
public final class EventLog {

    /**
     * One event as read back.
     *
     * @param seq its number among its ingestion's events, from 1
     * @param logSeq its place in the deployment's log
     * @param batchIndex null for an ingestion's own events
     * @param idCount a completed batch's ids; null for other events
     * @param failedIds how many of a completed batch's ids failed for good; null for other events
     * @param owner the ingestion's owner (its API key's name; null when keys were off)
     */
    public record Event(
            UUID ingestionId,
            int seq,
            long logSeq,
            EventKind kind,
            Integer batchIndex,
            Integer attempt,
            Integer idCount,
            Integer failedIds,
            Instant at,
            Priority priority,
            String owner) {}

    private static final String SELECT = """
            SELECT e.ingestion_id, e.seq, e.log_seq, e.kind, e.batch_idx, e.attempt, e.id_count, e.failed_ids,
                   e.occurred_at, i.priority, i.owner
            FROM ingestion_event e JOIN ingestion i ON i.id = e.ingestion_id
            """;

    private static final RowMapper<Event> EVENT = (rs, n) -> new Event(
            rs.getObject("ingestion_id", UUID.class),
            rs.getInt("seq"),
            rs.getLong("log_seq"),
            EventKind.ofLabel(rs.getString("kind")),
            (Integer) rs.getObject("batch_idx"),
            (Integer) rs.getObject("attempt"),
            (Integer) rs.getObject("id_count"),
            (Integer) rs.getObject("failed_ids"),
            Sql.instant(rs, "occurred_at"),
            Sql.priority(rs, "priority"),
            rs.getString("owner"));

    private final JdbcClient jdbc;

    public EventLog(DataSource dataSource) {
        this(JdbcClient.create(dataSource));
    }

    EventLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Numbers the event under the ingestion's row lock (the caller's transaction holds it until it
     * commits), so an ingestion's events are 1, 2, 3... in commit order.
     */
    void append(UUID ingestionId, EventKind kind, Integer batchIndex, Integer attempt, Instant at) {
        append(ingestionId, kind, batchIndex, attempt, null, null, at);
    }

    /** A batch's completion, with how many ids it had and how many failed for good. */
    void appendCompletion(UUID ingestionId, int batchIndex, int idCount, int failedIds, Instant at) {
        append(ingestionId, EventKind.BATCH_COMPLETED, batchIndex, null, idCount, failedIds, at);
    }

    private void append(
            UUID ingestionId,
            EventKind kind,
            Integer batchIndex,
            Integer attempt,
            Integer idCount,
            Integer failedIds,
            Instant at) {
        jdbc.sql("UPDATE ingestion SET last_event = last_event + 1 WHERE id = :ingestion")
                .param("ingestion", ingestionId)
                .update();
        jdbc.sql("""
                INSERT INTO ingestion_event (ingestion_id, seq, kind, batch_idx, attempt, id_count, failed_ids, occurred_at)
                SELECT id, last_event, :kind, :idx, :attempt, :ids, :failed, :at FROM ingestion WHERE id = :ingestion
                """)
                .param("ingestion", ingestionId)
                .param("kind", kind.label())
                .param("idx", batchIndex)
                .param("attempt", attempt)
                .param("ids", idCount)
                .param("failed", failedIds)
                .param("at", Sql.ts(at))
                .update();
    }

    /** The deployment's events after {@code logSeq}, in log order, at most {@code limit}. */
    public List<Event> after(long logSeq, int limit) {
        return jdbc.sql(SELECT + "WHERE e.log_seq > :after ORDER BY e.log_seq LIMIT :limit")
                .param("after", logSeq)
                .param("limit", limit)
                .query(EVENT)
                .list();
    }

    /** An ingestion's events after its {@code seq}-th, in order: for a stream that resumes. */
    public List<Event> ofIngestion(UUID ingestionId, int afterSeq) {
        return jdbc.sql(SELECT + "WHERE e.ingestion_id = :ingestion AND e.seq > :after ORDER BY e.seq")
                .param("ingestion", ingestionId)
                .param("after", afterSeq)
                .query(EVENT)
                .list();
    }

    /** The newest event's place in the log; 0 for none. A reader starts there to see only what comes. */
    public long head() {
        return jdbc.sql("SELECT COALESCE(MAX(log_seq), 0) FROM ingestion_event")
                .query(Long.class)
                .single();
    }
}
