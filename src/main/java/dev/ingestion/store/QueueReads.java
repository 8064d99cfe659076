package dev.ingestion.store;

import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.ingestion.queue.BatchState;
import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.RecordState;

/**
 * The read side of the queue: what {@code /status} and the records pages show. Nothing here
 * takes a lock or writes.
 */
public class QueueReads {

    /**
     * Records are read this many positions at a time, and each window is handed on before the next
     * is read: a page of 1,000 records of up to 1 MB each (INGEST_UPSTREAM_MAX_RECORD) never holds
     * more than 16 MB of them, and a page of small records costs a few more queries.
     */
    static final int RECORDS_AT_ONCE = 16;

    private final JdbcClient jdbc;
    private final IdChunks chunks;
    private final RateLimiterRow limiter;

    public QueueReads(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.chunks = new IdChunks(jdbc);
        this.limiter = new RateLimiterRow(jdbc);
    }

    /** Not an ingestion being purged: it is gone as a whole from the purge's first commit. */
    public Optional<IngestionRow> findIngestion(UUID id) {
        return jdbc.sql("""
                SELECT id, seq, priority, batch_size, chunk_size, id_count, batch_count, next_batch,
                       completed_batches, created_at, enqueued_before, ids, owner, callback_url, callback_events
                FROM ingestion WHERE id = :id AND purging = FALSE
                """)
                .param("id", id)
                .query((rs, n) -> new IngestionRow(
                        rs.getObject("id", UUID.class),
                        rs.getLong("seq"),
                        Sql.priority(rs, "priority"),
                        rs.getInt("batch_size"),
                        rs.getInt("id_count"),
                        rs.getInt("batch_count"),
                        rs.getInt("next_batch"),
                        rs.getInt("completed_batches"),
                        Sql.instant(rs, "created_at"),
                        rs.getLong("enqueued_before"),
                        new StoredIds(rs.getInt("chunk_size"), rs.getBytes("ids")),
                        rs.getString("owner"),
                        Callback.of(rs.getString("callback_url"), rs.getString("callback_events"))))
                .optional();
    }

    /** How the request that stored an idempotency key was answered, if one did. */
    public Optional<Admission.Replayed> storedKey(String scope, String key) {
        return Optional.ofNullable(storedKeys(scope, List.of(key)).get(key));
    }

    /** How the requests that stored these keys of one scope were answered, by key; keys never stored are absent. */
    public Map<String, Admission.Replayed> storedKeys(String scope, List<String> keys) {
        Map<String, Admission.Replayed> stored = new java.util.HashMap<>();
        jdbc.sql("""
                SELECT idem_key, ingestion_id, status, fingerprint FROM idempotency_key
                WHERE scope = :scope AND idem_key IN (:keys)
                """).param("scope", scope).param("keys", keys).query((RowCallbackHandler) rs -> stored.put(
                rs.getString("idem_key"),
                new Admission.Replayed(
                        rs.getObject("ingestion_id", UUID.class), rs.getInt("status"), rs.getString("fingerprint"))));
        return stored;
    }

    private static final String BATCH_COLUMNS = """
            SELECT idx, status, attempts, started_at, last_started_at, completed_at, failed_ids FROM batch
            """;

    private static final RowMapper<BatchRow> BATCH = (rs, n) -> new BatchRow(
            rs.getInt("idx"),
            BatchState.ofLabel(rs.getString("status")),
            rs.getInt("attempts"),
            Sql.instant(rs, "started_at"),
            Sql.instant(rs, "last_started_at"),
            Sql.instant(rs, "completed_at"),
            rs.getInt("failed_ids"));

    /** The batches of an ingestion that have started, in batch order. */
    public List<BatchRow> startedBatches(UUID ingestionId) {
        return jdbc.sql(BATCH_COLUMNS + "WHERE ingestion_id = :ingestion ORDER BY idx")
                .param("ingestion", ingestionId)
                .query(BATCH)
                .list();
    }

    /** One batch, if it has started. */
    public Optional<BatchRow> startedBatch(UUID ingestionId, int index) {
        return jdbc.sql(BATCH_COLUMNS + "WHERE ingestion_id = :ingestion AND idx = :idx")
                .param("ingestion", ingestionId)
                .param("idx", index)
                .query(BATCH)
                .optional();
    }

    /** How many of an ingestion's ids failed for good, over its started batches. */
    public int failedIds(UUID ingestionId) {
        return jdbc.sql("SELECT COALESCE(SUM(failed_ids), 0) FROM batch WHERE ingestion_id = :ingestion")
                .param("ingestion", ingestionId)
                .query(Integer.class)
                .single();
    }

    /** Batches handed back to be tried again that have not started since: for metrics. */
    public long batchesWaitingForRetry() {
        return jdbc.sql("""
                        SELECT COUNT(*) FROM batch
                        WHERE status = 'triggered' AND lease_owner IS NULL AND retry_at IS NOT NULL
                        """).query(Long.class).single();
    }

    /** The positions of {@code [from, to)} whose ids failed for good. */
    public Set<Integer> failedPositions(UUID ingestionId, int from, int to) {
        return new HashSet<>(jdbc.sql("""
                        SELECT position FROM record
                        WHERE ingestion_id = :ingestion AND position >= :from AND position < :to AND state = :failed
                        """)
                .param("ingestion", ingestionId)
                .param("from", from)
                .param("to", to)
                .param("failed", RecordState.FAILED.label())
                .query(Integer.class)
                .list());
    }

    /** The ids of one batch, in request order. */
    public int[] batchIds(IngestionRow ingestion, int index) {
        return chunks.range(ingestion, ingestion.batchStart(index), ingestion.batchEnd(index));
    }

    /** The ids of each batch, in batch order: no caller sees how they are stored. */
    public void forEachBatch(IngestionRow ingestion, BatchIds sink) {
        int[] index = {0};
        chunks.forEach(ingestion, 0, ingestion.idCount(), (first, ids) -> {
            for (int from = 0; from < ids.length; from += ingestion.batchSize()) {
                sink.accept(index[0]++, ids, from, Math.min(ids.length, from + ingestion.batchSize()));
            }
        });
    }

    /** Takes the ids of one batch: {@code ids[from, to)}, valid only during the call. */
    public interface BatchIds {
        void accept(int index, int[] ids, int from, int to);
    }

    /**
     * Each requested id of positions {@code [from, to)} in request order, with its stored record
     * (null while pending): one read of the records and a sequential read of the ids.
     */
    public void forEachRecord(IngestionRow ingestion, int from, int to, RecordSink sink) {
        int end = Math.min(to, ingestion.idCount());
        chunks.forEach(ingestion, from, end, (first, ids) -> {
            int last = Math.min(end, first + ids.length);
            for (int window = Math.max(from, first); window < last; window += RECORDS_AT_ONCE) {
                int windowEnd = Math.min(last, window + RECORDS_AT_ONCE);
                Map<Integer, StoredRecord> stored = records(ingestion.id(), window, windowEnd);
                for (int position = window; position < windowEnd; position++) {
                    sink.accept(position, ids[position - first], stored.get(position));
                }
            }
        });
    }

    /** Takes one requested id and its record, or null while it has none. */
    public interface RecordSink {
        void accept(int position, int id, StoredRecord record);
    }

    /** The positions of {@code [from, to)} that have a stored record. */
    List<Integer> storedPositions(UUID ingestionId, int from, int to) {
        return jdbc.sql("""
                SELECT position FROM record WHERE ingestion_id = :ingestion AND position >= :from AND position < :to
                """)
                .param("ingestion", ingestionId)
                .param("from", from)
                .param("to", to)
                .query(Integer.class)
                .list();
    }

    /** The stored records of positions {@code [from, to)}, by position. */
    public Map<Integer, StoredRecord> records(UUID ingestionId, int from, int to) {
        return jdbc
                .sql("""
                SELECT position, state, data, fetched_at FROM record
                WHERE ingestion_id = :ingestion AND position >= :from AND position < :to
                """)
                .param("ingestion", ingestionId)
                .param("from", from)
                .param("to", to)
                .query((rs, n) -> new StoredRecord(
                        rs.getInt("position"),
                        RecordState.ofLabel(rs.getString("state")),
                        rs.getString("data"),
                        Sql.instant(rs, "fetched_at")))
                .list()
                .stream()
                .collect(Collectors.toMap(StoredRecord::position, r -> r));
    }

    /** What stands ahead of waiting work now: see {@link Ahead}. Two reads, whatever the backlog. */
    public Ahead ahead(Instant now) {
        Map<Priority, Long> enqueued = new EnumMap<>(Priority.class);
        Map<Priority, Long> started = new EnumMap<>(Priority.class);
        jdbc.sql("SELECT counter, priority, batches FROM queue_tally").query((RowCallbackHandler)
                rs -> ("enqueued".equals(rs.getString("counter")) ? enqueued : started)
                        .put(Sql.priority(rs, "priority"), rs.getLong("batches")));
        List<Ahead.Rerun> reruns = jdbc.sql("""
                SELECT i.priority, i.seq FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
                WHERE b.status = 'triggered' AND (b.lease_until IS NULL OR b.lease_until < :now)
                """)
                .param("now", Sql.ts(now))
                .query((rs, n) -> new Ahead.Rerun(Sql.priority(rs, "priority"), rs.getLong("seq")))
                .list();
        return new Ahead(enqueued, started, reruns);
    }

    /**
     * Where an ingestion's waiting batches stand with fair share: how many slots go before its next
     * batch, and at most how many slots separate each of its later batches from the one before.
     *
     * <p>By ingestion: ahead of its next batch are the waiting ingestions of its priority earlier in
     * the round (each takes one slot, then goes behind it), and each later batch waits at most one
     * round, a slot for each waiting ingestion of the priority, itself included. By key: ahead are
     * the keys earlier in the round, and then its key's own earlier waiting batches, each a round
     * of the keys with waiting work (exact when it is its key's first waiting ingestion). Two or
     * three counts over the priority's entries of an index (each waiting ingestion, or each key):
     * cheap beside the reads of the status itself, but they grow with what waits in the priority,
     * unlike the running totals of first in, first out.
     */
    public FairPlace fairPlace(IngestionRow ingestion, Fairness fairness, Instant now) {
        long ahead = ahead(now).aheadOfEveryTurn(ingestion.priority());
        int priority = Sql.rank(ingestion.priority());
        if (fairness == Fairness.INGESTION) {
            long turn = jdbc.sql("SELECT turn FROM ingestion WHERE id = :id")
                    .param("id", ingestion.id())
                    .query(Long.class)
                    .single();
            long before = jdbc.sql("""
                            SELECT COUNT(*) FROM ingestion
                            WHERE waiting = TRUE AND priority = :priority
                              AND (turn < :turn OR turn = :turn AND seq < :seq)
                            """)
                    .param("priority", priority)
                    .param("turn", turn)
                    .param("seq", ingestion.seq())
                    .query(Long.class)
                    .single();
            return new FairPlace(ahead + before, Math.max(1, waitingUnits(ingestion.priority(), fairness)));
        }
        String owner = ingestion.owner() == null ? "" : ingestion.owner();
        long turn = jdbc.sql("SELECT turn FROM key_turn WHERE owner = :owner AND priority = :priority")
                .param("owner", owner)
                .param("priority", priority)
                .query(Long.class)
                .optional()
                .orElse(0L);
        long keysBefore = keysWithWork(priority, turn, owner);
        String ownBefore = ingestion.owner() == null ? """
                        SELECT COALESCE(SUM(batch_count - next_batch), 0) FROM ingestion
                        WHERE owner IS NULL AND waiting = TRUE AND priority = :priority AND seq < :seq
                        """ : """
                        SELECT COALESCE(SUM(batch_count - next_batch), 0) FROM ingestion
                        WHERE owner = :owner AND waiting = TRUE AND priority = :priority AND seq < :seq
                        """;
        long ownBatchesBefore = jdbc.sql(ownBefore)
                .param("owner", owner)
                .param("priority", priority)
                .param("seq", ingestion.seq())
                .query(Long.class)
                .single();
        long keys = Math.max(1, waitingUnits(ingestion.priority(), fairness));
        return new FairPlace(ahead + keysBefore + ownBatchesBefore * keys, keys);
    }

    /**
     * The ingestions (by ingestion) or keys (by key) with waiting work in a priority: one round of
     * its fair share.
     */
    public long waitingUnits(Priority priority, Fairness fairness) {
        if (fairness == Fairness.KEY) {
            return keysWithWork(Sql.rank(priority), Long.MAX_VALUE, "");
        }
        return jdbc.sql("SELECT COUNT(*) FROM ingestion WHERE waiting = TRUE AND priority = :priority")
                .param("priority", Sql.rank(priority))
                .query(Long.class)
                .single();
    }

    /**
     * The keys with waiting work in a priority whose turn comes before (turn, owner): one probe of
     * ingestion_key_queue per key, the key '' (work stored while keys were off) by its own probe.
     * Scalar subqueries with a LIMIT, as in the claim, so that PostgreSQL never hashes every
     * waiting ingestion.
     */
    private long keysWithWork(int priority, long turn, String owner) {
        long keyed = jdbc.sql("""
                        SELECT COUNT(*) FROM key_turn k
                        WHERE k.priority = :priority AND k.owner <> ''
                          AND (k.turn < :turn OR k.turn = :turn AND k.owner < :owner)
                          AND (SELECT 1 FROM ingestion i
                               WHERE i.owner = k.owner AND i.waiting = TRUE AND i.priority = k.priority
                               ORDER BY i.owner, i.waiting, i.priority, i.seq
                               LIMIT 1) IS NOT NULL
                        """)
                .param("priority", priority)
                .param("turn", turn)
                .param("owner", owner)
                .query(Long.class)
                .single();
        long ownerless = jdbc.sql("""
                        SELECT COUNT(*) FROM key_turn k
                        WHERE k.owner = '' AND k.priority = :priority
                          AND (k.turn < :turn OR k.turn = :turn AND :owner <> '')
                          AND (SELECT 1 FROM ingestion i
                               WHERE i.owner IS NULL AND i.waiting = TRUE AND i.priority = k.priority
                               ORDER BY i.owner, i.waiting, i.priority, i.seq
                               LIMIT 1) IS NOT NULL
                        """)
                .param("priority", priority)
                .param("turn", turn)
                .param("owner", owner)
                .query(Long.class)
                .single();
        return keyed + ownerless;
    }

    /**
     * @param ahead slots before the next waiting batch
     * @param stride at most this many slots from one of its waiting batches to the next
     */
    public record FairPlace(long ahead, long stride) {}

    public long batchesAhead(IngestionRow ingestion, Instant now) {
        return ahead(now).batchesAhead(ingestion);
    }

    public Instant lastStart() {
        return limiter.lastStart();
    }

    /** The rate limiter's state, for estimates. */
    public RateLimit.State rateLimiter(RateLimit rate) {
        return limiter.state(rate);
    }

    /** The start log, oldest first. */
    public List<BatchStart> starts() {
        return jdbc.sql("SELECT ingestion_id, idx, attempt, started_at, owner FROM batch_start ORDER BY seq")
                .query((rs, n) -> new BatchStart(
                        rs.getObject("ingestion_id", UUID.class),
                        rs.getInt("idx"),
                        rs.getInt("attempt"),
                        Sql.instant(rs, "started_at"),
                        rs.getString("owner")))
                .list();
    }
}
