package dev.ingestion.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every statement of retention: what has been kept long enough is deleted, a small transaction at
 * a time. Only completed ingestions are ever candidates (their completion time is set by the write
 * that completes their last batch), so nothing here touches a row that ingest or a claim could
 * want: not the limiter, not the running totals, not a waiting or running ingestion. Candidate
 * ingestions are locked with SKIP LOCKED, so that instances purging at once take different ones
 * and do not wait for each other; a delete of a row already gone is a no-op.
 */
public class Retention {

    /**
     * An ingestion with a webhook still to deliver waits for it: its delivery reads the ingestion.
     * Without a lower bound H2 walks the index from its first entry, through the null completion
     * times of every waiting ingestion (100 ms a query behind a million of them) before the first
     * completed one.
     */
    private static final String COMPLETED_BEFORE = """
            completed_at > TIMESTAMP WITH TIME ZONE '1970-01-01 00:00:00+00' AND completed_at < :cutoff
              AND completed_batches = batch_count
              AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.ingestion_id = ingestion.id AND d.next_attempt_at IS NOT NULL)
            """;

    /** The rows of an ingestion apart from its own, by the key that slices them, children first. */
    private static final List<Child> CHILDREN = List.of(
            new Child("webhook_attempt", "seq"),
            new Child("webhook_delivery", "seq"),
            new Child("ingestion_event", "seq"),
            new Child("record", "position"),
            new Child("batch_start", "idx"),
            new Child("batch", "idx"),
            new Child("ingestion_chunk", "chunk_no"));

    private static final UUID FIRST = new UUID(0, 0);

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batchJdbc;
    private final TransactionTemplate tx;

    public Retention(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.batchJdbc = new NamedParameterJdbcTemplate(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /** What one transaction deleted: whole ingestions, and rows of every table (theirs included). */
    public record Purged(int ingestions, long rows) {

        public static final Purged NOTHING = new Purged(0, 0);

        public boolean any() {
            return rows > 0;
        }
    }

    /**
     * One transaction: deletes the ingestions that completed before {@code cutoff}, oldest first,
     * as many as fit in about {@code rows} rows. When the oldest alone has more, it is hidden
     * (not found from this commit on) and up to {@code rows} of its rows go, children first; the
     * next calls go on with it until its own row goes too. So a million-id ingestion is purged
     * in many small transactions, and no reader sees a part of it vanish.
     *
     * @param candidates the most ingestions one transaction deletes
     */
    public Purged purgeCompletedBefore(Instant cutoff, int rows, int candidates) {
        return tx.execute(status -> {
            List<Candidate> oldest = jdbc.sql("SELECT id, id_count, batch_count, chunk_size FROM ingestion WHERE "
                            + COMPLETED_BEFORE + " ORDER BY completed_at LIMIT :candidates")
                    .param("cutoff", Sql.ts(cutoff))
                    .param("candidates", candidates)
                    .query((rs, n) -> new Candidate(
                            rs.getObject("id", UUID.class),
                            rs.getInt("id_count"),
                            rs.getInt("batch_count"),
                            rs.getInt("chunk_size")))
                    .list();
            if (oldest.isEmpty()) {
                return Purged.NOTHING;
            }
            List<UUID> whole = new ArrayList<>();
            long estimate = 0;
            for (Candidate candidate : oldest) {
                estimate += candidate.rows();
                if (estimate > rows) {
                    break;
                }
                whole.add(candidate.id());
            }
            if (whole.isEmpty()) {
                return purgeSlice(oldest.get(0).id(), rows);
            }
            List<UUID> locked = lock(whole);
            if (locked.isEmpty()) {
                return Purged.NOTHING;
            }
            long deleted = 0;
            for (Child child : CHILDREN) {
                deleted += jdbc.sql("DELETE FROM " + child.table() + " WHERE ingestion_id IN (:ids)")
                        .param("ids", locked)
                        .update();
            }
            deleted += jdbc.sql("DELETE FROM idempotency_key WHERE ingestion_id IN (:ids)")
                    .param("ids", locked)
                    .update();
            int ingestions = jdbc.sql("DELETE FROM ingestion WHERE id IN (:ids)")
                    .param("ids", locked)
                    .update();
            return new Purged(ingestions, deleted + ingestions);
        });
    }

    /** Runs in the caller's transaction: the ids among {@code ids} that no other purge holds. */
    private List<UUID> lock(List<UUID> ids) {
        return jdbc.sql("SELECT id FROM ingestion WHERE id IN (:ids) FOR UPDATE SKIP LOCKED")
                .param("ids", ids)
                .query(UUID.class)
                .list();
    }

    /**
     * Up to about {@code rows} rows of one large ingestion, in the caller's transaction, then its
     * own row once nothing else of it is left. Each table is cut from its lowest key left, so a
     * purge interrupted anywhere goes on where it stopped.
     */
    private Purged purgeSlice(UUID id, int rows) {
        if (lock(List.of(id)).isEmpty()) {
            return Purged.NOTHING;
        }
        jdbc.sql("UPDATE ingestion SET purging = TRUE WHERE id = :id AND purging = FALSE")
                .param("id", id)
                .update();
        long deleted = 0;
        for (Child child : CHILDREN) {
            while (deleted < rows) {
                // Not MIN(), and ingestion_id leads the ORDER BY: otherwise H2 reads and sorts every
                // row of the ingestion (2 s for a million) instead of reading the index's first.
                Integer lowest = jdbc.sql("SELECT " + child.key() + " FROM " + child.table()
                                + " WHERE ingestion_id = :id ORDER BY ingestion_id, " + child.key() + " LIMIT 1")
                        .param("id", id)
                        .query(Integer.class)
                        .optional()
                        .orElse(null);
                if (lowest == null) {
                    break;
                }
                deleted += jdbc.sql("DELETE FROM " + child.table() + " WHERE ingestion_id = :id AND " + child.key()
                                + " < :below")
                        .param("id", id)
                        .param("below", lowest + (rows - deleted))
                        .update();
            }
            if (deleted >= rows) {
                return new Purged(0, deleted);
            }
        }
        deleted += jdbc.sql("DELETE FROM idempotency_key WHERE ingestion_id = :id")
                .param("id", id)
                .update();
        int ingestions =
                jdbc.sql("DELETE FROM ingestion WHERE id = :id").param("id", id).update();
        return new Purged(ingestions, deleted + ingestions);
    }

    /**
     * One transaction: deletes up to {@code limit} idempotency keys created before {@code cutoff},
     * oldest first (an ingestion's keys also go with it). The keys are read without a lock (H2
     * would read and lock every expired key for a FOR UPDATE, however small the LIMIT) and
     * deleted by key, so a key that another purge deleted first is a no-op.
     */
    public int purgeIdempotencyKeysCreatedBefore(Instant cutoff, int limit) {
        return tx.execute(status -> {
            List<MapSqlParameterSource> keys = jdbc.sql("""
                    SELECT scope, idem_key FROM idempotency_key WHERE created_at < :cutoff
                    ORDER BY created_at LIMIT :limit
                    """)
                    .param("cutoff", Sql.ts(cutoff))
                    .param("limit", limit)
                    .query((rs, n) -> new MapSqlParameterSource()
                            .addValue("scope", rs.getString("scope"))
                            .addValue("key", rs.getString("idem_key"))
                            .addValue("cutoff", Sql.ts(cutoff)))
                    .list();
            if (keys.isEmpty()) {
                return 0;
            }
            int deleted = 0;
            for (int count : batchJdbc.batchUpdate(
                    "DELETE FROM idempotency_key WHERE scope = :scope AND idem_key = :key AND created_at < :cutoff",
                    keys.toArray(MapSqlParameterSource[]::new))) {
                deleted += Math.max(count, 0);
            }
            return deleted;
        });
    }

    /** Where {@link #stampCompletions} stopped: {@code last} is null once the whole table is read. */
    public record Stamped(int ingestions, UUID last) {}

    /**
     * Gives a completion time, that of their last batch, to up to {@code limit} completed
     * ingestions after {@code after} in id order (null: from the first) that have none: those
     * completed before the column existed, or by an instance of the previous version during a
     * rolling upgrade. Reads without locks and writes only completed ingestions; a whole pass
     * reads the table once.
     */
    public Stamped stampCompletions(UUID after, int limit) {
        List<UUID> ids = jdbc.sql("""
                SELECT id FROM ingestion
                WHERE id > :after AND completed_at IS NULL AND completed_batches = batch_count
                ORDER BY id LIMIT :limit
                """)
                .param("after", after == null ? FIRST : after)
                .param("limit", limit)
                .query(UUID.class)
                .list();
        if (ids.isEmpty()) {
            return new Stamped(0, null);
        }
        int stamped = jdbc.sql("""
                UPDATE ingestion
                SET completed_at = (SELECT MAX(b.completed_at) FROM batch b WHERE b.ingestion_id = ingestion.id)
                WHERE id IN (:ids) AND completed_at IS NULL
                """).param("ids", ids).update();
        return new Stamped(stamped, ids.size() < limit ? null : ids.get(ids.size() - 1));
    }

    /** The rows an ingestion holds (its own, its ids, batches, starts and records), counting one start a batch. */
    private record Candidate(UUID id, int idCount, int batchCount, int chunkSize) {

        long rows() {
            long chunks = idCount > chunkSize ? (idCount + chunkSize - 1) / chunkSize : 0;
            return 1L + idCount + 2L * batchCount + chunks;
        }
    }

    private record Child(String table, String key) {}
}
