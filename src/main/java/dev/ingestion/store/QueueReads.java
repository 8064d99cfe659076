package dev.ingestion.store;

import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The read side of the queue: what {@code /status} and the records pages show. Nothing here
 * takes a lock or writes.
 */
public class QueueReads {

    private static final String COMPLETED = "completed";

    private final JdbcClient jdbc;

    public QueueReads(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    public Optional<IngestionRow> findIngestion(UUID id) {
        return jdbc.sql("""
                SELECT id, seq, priority, batch_size, chunk_size, id_count, batch_count, next_batch,
                       completed_batches, created_at, enqueued_before, ids
                FROM ingestion WHERE id = :id
                """)
                .param("id", id)
                .query((rs, n) -> new IngestionRow(rs.getObject("id", UUID.class), rs.getLong("seq"),
                        rs.getInt("priority"), rs.getInt("batch_size"), rs.getInt("chunk_size"), rs.getInt("id_count"),
                        rs.getInt("batch_count"), rs.getInt("next_batch"), rs.getInt("completed_batches"),
                        Sql.instant(rs, "created_at"), rs.getLong("enqueued_before"), rs.getBytes("ids")))
                .optional();
    }

    /** The batches of an ingestion that have started, in batch order. */
    public List<BatchRow> startedBatches(UUID ingestionId) {
        return jdbc.sql("""
                SELECT idx, status, attempts, started_at, last_started_at, completed_at
                FROM batch WHERE ingestion_id = :ingestion ORDER BY idx
                """)
                .param("ingestion", ingestionId)
                .query((rs, n) -> new BatchRow(rs.getInt("idx"), COMPLETED.equals(rs.getString("status")),
                        rs.getInt("attempts"), Sql.instant(rs, "started_at"), Sql.instant(rs, "last_started_at"),
                        Sql.instant(rs, "completed_at")))
                .list();
    }

    /**
     * Hands the ids of positions {@code [fromPosition, toPosition)} to {@code sink} in request
     * order, one whole chunk at a time: chunk {@code n} starts at position {@code n * chunkSize}.
     */
    public void forEachIdChunk(IngestionRow ingestion, int fromPosition, int toPosition, Consumer<int[]> sink) {
        if (fromPosition >= toPosition) {
            return;
        }
        if (ingestion.inlineIds() != null) {
            sink.accept(IdCodec.decode(ingestion.inlineIds()));
            return;
        }
        int firstChunk = fromPosition / ingestion.chunkSize();
        int lastChunk = (toPosition - 1) / ingestion.chunkSize();
        jdbc.sql("""
                SELECT ids FROM ingestion_chunk
                WHERE ingestion_id = :ingestion AND chunk_no >= :first AND chunk_no <= :last
                ORDER BY chunk_no
                """)
                .param("ingestion", ingestion.id())
                .param("first", firstChunk)
                .param("last", lastChunk)
                .query((ResultSet rs) -> sink.accept(IdCodec.decode(rs.getBytes("ids"))));
    }

    /** The stored records of positions {@code [from, to)}, by position. */
    public Map<Integer, StoredRecord> records(UUID ingestionId, int from, int to) {
        return jdbc.sql("""
                SELECT position, state, data, fetched_at FROM record
                WHERE ingestion_id = :ingestion AND position >= :from AND position < :to
                """)
                .param("ingestion", ingestionId)
                .param("from", from)
                .param("to", to)
                .query((rs, n) -> new StoredRecord(rs.getInt("position"), rs.getString("state"), rs.getString("data"),
                        Sql.instant(rs, "fetched_at")))
                .list()
                .stream()
                .collect(Collectors.toMap(StoredRecord::position, r -> r));
    }

    /**
     * How many batches will start before the first waiting batch of an ingestion: the waiting
     * batches of every ingestion ahead of it, plus the batches waiting for a re-run (its own
     * among them) that come before it in the order. The waiting ones come from the running
     * totals, whatever the backlog: those of the higher priorities, and, in its own priority,
     * the batches queued before it less those started (a priority runs first in first out, so
     * every start in it so far was of an ingestion ahead of it, or of its own).
     */
    public long batchesAhead(IngestionRow ingestion, Instant now) {
        return jdbc.sql("""
                SELECT
                  (SELECT COALESCE(SUM(CASE WHEN counter = 'enqueued' THEN batches ELSE -batches END), 0)
                   FROM queue_tally WHERE priority < :priority)
                + :enqueuedBefore + :nextBatch
                - (SELECT batches FROM queue_tally WHERE counter = 'started' AND priority = :priority)
                + (SELECT COUNT(*) FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
                   WHERE b.status = 'triggered' AND (b.lease_until IS NULL OR b.lease_until < :now)
                     AND (i.priority < :priority OR (i.priority = :priority AND i.seq <= :seq)))
                """)
                .param("priority", ingestion.priority())
                .param("seq", ingestion.seq())
                .param("enqueuedBefore", ingestion.enqueuedBefore())
                .param("nextBatch", ingestion.nextBatch())
                .param("now", Sql.ts(now))
                .query(Long.class)
                .single();
    }

    public Instant lastStart() {
        return jdbc.sql("SELECT last_start FROM rate_limiter WHERE id = 1")
                .query((rs, n) -> Sql.instant(rs, "last_start"))
                .single();
    }

    /** The start log, oldest first. */
    public List<BatchStart> starts() {
        return jdbc.sql("SELECT ingestion_id, idx, attempt, started_at, owner FROM batch_start ORDER BY seq")
                .query((rs, n) -> new BatchStart(rs.getObject("ingestion_id", UUID.class), rs.getInt("idx"),
                        rs.getInt("attempt"), Sql.instant(rs, "started_at"), rs.getString("owner")))
                .list();
    }
}
