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
 * Pages of ingestions, newest first, by keyset on their sequence number: a page costs a few index
 * range reads however deep it is, and rows stored meanwhile neither shift nor repeat entries.
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

    private static final String COLUMNS = """
            SELECT id, seq, priority, state, created_at, id_count, batch_count, next_batch, completed_batches,
                   enqueued_before
            FROM ingestion WHERE purging = FALSE""";

    public List<Entry> page(Filter filter) {
        Map<String, Object> params = new HashMap<>();
        StringBuilder common = new StringBuilder();
        if (filter.owner() != null) {
            common.append(" AND owner = :owner");
            params.put("owner", filter.owner());
        }
        if (filter.beforeSeq() != null) {
            common.append(" AND seq < :before");
            params.put("before", filter.beforeSeq());
        }
        params.put("limit", filter.limit());
        String sql = filter.state() != null ? byState(filter, common, params) : byQueueIndex(filter, common);
        List<Entry> rows = jdbc.sql(sql)
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

    /**
     * A state has an index of its own (state, seq); ordering by its column first lets H2 walk it in
     * order, reading one page's rows (ordered by seq alone, H2 read every match and sorted them: 4
     * to 5 s for a million waiting). Other filters are checked on the rows it reads.
     */
    private static String byState(Filter filter, StringBuilder common, Map<String, Object> params) {
        params.put("state", filter.state().label());
        String priority = "";
        if (filter.priority() != null) {
            priority = " AND priority = :priority";
            params.put("priority", Sql.rank(filter.priority()));
        }
        return COLUMNS + " AND state = :state" + priority + common + " ORDER BY state DESC, seq DESC LIMIT :limit";
    }

    /**
     * Without a state, the indexes the claim reads anyway serve the page, so that ingest writes no
     * index for the list alone: ingestion_queue (waiting, priority, seq), or ingestion_key_queue
     * (owner, waiting, priority, seq) for one owner. Each (waiting, priority) range is read newest
     * first up to a page, and the newest page of what they return is the answer: at most six short
     * index reads, whatever the table holds.
     */
    private static String byQueueIndex(Filter filter, StringBuilder common) {
        String leading = filter.owner() != null ? "owner DESC, " : "";
        List<String> ranges = new ArrayList<>();
        for (boolean waiting : new boolean[] {true, false}) {
            for (Priority priority :
                    filter.priority() != null ? List.of(filter.priority()) : List.of(Priority.values())) {
                ranges.add("(" + COLUMNS + " AND waiting = " + waiting + " AND priority = " + Sql.rank(priority)
                        + common + " ORDER BY " + leading + "waiting DESC, priority DESC, seq DESC LIMIT :limit)");
            }
        }
        return "SELECT * FROM (" + String.join(" UNION ALL ", ranges) + ") ranges ORDER BY seq DESC LIMIT :limit";
    }
}
