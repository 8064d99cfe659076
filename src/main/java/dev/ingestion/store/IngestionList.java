package dev.ingestion.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.ingestion.queue.BatchState;
import dev.ingestion.queue.Priority;

/**
 * Pages of ingestions, newest first, by keyset on their sequence number: a page costs one index
 * range read however deep it is, and rows stored meanwhile neither shift nor repeat entries.
 * Each filter has an index of its own (state, priority, owner, each with seq).
 */
public final class IngestionList {

    /**
     * @param state null: any
     * @param priority null: any
     * @param owner the only owner to list; null: every ingestion (keys off, or an admin key)
     * @param beforeSeq only ingestions older than this one; null: from the newest
     */
    public record Filter(BatchState state, Priority priority, String owner, Long beforeSeq, int limit) {}

    /**
     * One entry of a page, with what its batches add up to.
     *
     * @param lastRunningStart the latest start of its batches running now; null if none runs
     */
    public record Entry(
            UUID id,
            long seq,
            Priority priority,
            BatchState state,
            Instant createdAt,
            int idCount,
            int batchCount,
            int nextBatch,
            int completedBatches,
            long enqueuedBefore,
            long failedIds,
            Instant lastRunningStart) {

        private Entry with(long failed, Instant running) {
            return new Entry(
                    id,
                    seq,
                    priority,
                    state,
                    createdAt,
                    idCount,
                    batchCount,
                    nextBatch,
                    completedBatches,
                    enqueuedBefore,
                    failed,
                    running);
        }
    }

    private final JdbcClient jdbc;

    public IngestionList(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    public List<Entry> page(Filter filter) {
        StringBuilder sql = new StringBuilder("""
                SELECT id, seq, priority, state, created_at, id_count, batch_count, next_batch, completed_batches,
                       enqueued_before
                FROM ingestion WHERE purging = FALSE
                """);
        Map<String, Object> params = new HashMap<>();
        if (filter.state() != null) {
            sql.append(" AND state = :state");
            params.put("state", filter.state().label());
        }
        if (filter.priority() != null) {
            sql.append(" AND priority = :priority");
            params.put("priority", Sql.rank(filter.priority()));
        }
        if (filter.owner() != null) {
            sql.append(" AND owner = :owner");
            params.put("owner", filter.owner());
        }
        if (filter.beforeSeq() != null) {
            sql.append(" AND seq < :before");
            params.put("before", filter.beforeSeq());
        }
        // With an equality filter, ordering by its column first means the same order and lets H2 walk
        // that filter's index in order, reading one page's rows; ordered by seq alone, H2 read every
        // match and sorted them (4 to 5 s for a million waiting). PostgreSQL does well either way.
        String leading = filter.state() != null
                ? "state DESC, "
                : filter.priority() != null ? "priority DESC, " : filter.owner() != null ? "owner DESC, " : "";
        sql.append(" ORDER BY ").append(leading).append("seq DESC LIMIT :limit");
        params.put("limit", filter.limit());
        List<Entry> rows = jdbc.sql(sql.toString())
                .params(params)
                .query((rs, n) -> new Entry(
                        rs.getObject("id", UUID.class),
                        rs.getLong("seq"),
                        Sql.priority(rs, "priority"),
                        BatchState.ofLabel(rs.getString("state")),
                        Sql.instant(rs, "created_at"),
                        rs.getInt("id_count"),
                        rs.getInt("batch_count"),
                        rs.getInt("next_batch"),
                        rs.getInt("completed_batches"),
                        rs.getLong("enqueued_before"),
                        0,
                        null))
                .list();
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<UUID, long[]> failed = new HashMap<>();
        Map<UUID, Instant> running = new HashMap<>();
        jdbc.sql("""
                SELECT ingestion_id, SUM(failed_ids) AS failed,
                       MAX(CASE WHEN status = 'triggered' THEN last_started_at END) AS running
                FROM batch WHERE ingestion_id IN (:ids) AND (failed_ids > 0 OR status = 'triggered')
                GROUP BY ingestion_id
                """).param("ids", rows.stream().map(Entry::id).toList()).query((RowCallbackHandler) rs -> {
            UUID id = rs.getObject("ingestion_id", UUID.class);
            failed.put(id, new long[] {rs.getLong("failed")});
            Instant start = Sql.instant(rs, "running");
            if (start != null) {
                running.put(id, start);
            }
        });
        List<Entry> page = new ArrayList<>(rows.size());
        for (Entry row : rows) {
            page.add(row.with(failed.getOrDefault(row.id(), new long[1])[0], running.get(row.id())));
        }
        return page;
    }
}
