package dev.ingestion.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every query of the queue. The rate limiter is one row that each claim locks, so claims are
 * serialised across threads and instances alike; whoever holds the lock reads the last start,
 * picks the next batch and records the new start in the same transaction.
 */
public class QueueStore {

    private static final String TRIGGERED = "triggered";
    private static final String COMPLETED = "completed";
    private static final String FETCHED = "fetched";
    /** About 4 KB of packed ids per chunk row, rounded down to whole batches. */
    private static final int IDS_PER_CHUNK = 1024;

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batchJdbc;
    private final TransactionTemplate tx;

    public QueueStore(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.batchJdbc = new NamedParameterJdbcTemplate(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    // ---- ingest ---------------------------------------------------------------------------

    /** Stores an ingestion and its ids in one transaction: all of it or nothing. */
    public void insertIngestion(UUID id, int priority, int batchSize, int[] ids, Instant createdAt) {
        int chunkSize = Math.max(1, IDS_PER_CHUNK / batchSize) * batchSize;
        int batchCount = (ids.length + batchSize - 1) / batchSize;
        MapSqlParameterSource[] chunks = new MapSqlParameterSource[(ids.length + chunkSize - 1) / chunkSize];
        for (int no = 0; no < chunks.length; no++) {
            int from = no * chunkSize;
            chunks[no] = new MapSqlParameterSource()
                    .addValue("ingestion", id)
                    .addValue("no", no)
                    .addValue("ids", IdCodec.encode(ids, from, Math.min(ids.length, from + chunkSize)));
        }
        tx.executeWithoutResult(status -> {
            jdbc.sql("""
                    INSERT INTO ingestion (id, priority, batch_size, chunk_size, id_count, batch_count, waiting, created_at)
                    VALUES (:id, :priority, :batchSize, :chunkSize, :idCount, :batchCount, TRUE, :createdAt)
                    """)
                    .param("id", id)
                    .param("priority", priority)
                    .param("batchSize", batchSize)
                    .param("chunkSize", chunkSize)
                    .param("idCount", ids.length)
                    .param("batchCount", batchCount)
                    .param("createdAt", ts(createdAt))
                    .update();
            batchJdbc.batchUpdate("""
                    INSERT INTO ingestion_chunk (ingestion_id, chunk_no, ids) VALUES (:ingestion, :no, :ids)
                    """, chunks);
        });
    }

    // ---- dispatch -------------------------------------------------------------------------

    /**
     * Takes the rate limiter's slot at {@code now} if it is open and a batch waits. The batch is
     * the first by (priority, ingestion sequence, batch index) among waiting batches and
     * triggered batches whose lease has run out; a re-run keeps its place in that order.
     */
    public Claim claim(Instant now, Duration interval, String owner, Instant leaseUntil) {
        return tx.execute(status -> {
            Instant lastStart = jdbc.sql("SELECT last_start FROM rate_limiter WHERE id = 1 FOR UPDATE")
                    .query((rs, n) -> instant(rs, "last_start"))
                    .single();
            Instant slot = lastStart.plus(interval);
            if (now.isBefore(slot)) {
                return new Claim.NotBefore(slot);
            }
            Optional<Candidate> orphan = jdbc.sql("""
                    SELECT b.ingestion_id, b.idx, b.attempts, i.priority, i.seq
                    FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
                    WHERE b.status = 'triggered' AND (b.lease_until IS NULL OR b.lease_until < :now)
                    ORDER BY i.priority, i.seq, b.idx
                    LIMIT 1
                    """)
                    .param("now", ts(now))
                    .query((rs, n) -> new Candidate(rs.getObject("ingestion_id", UUID.class), rs.getInt("idx"),
                            rs.getInt("attempts"), rs.getInt("priority"), rs.getLong("seq")))
                    .optional();
            // "waiting" leads the ORDER BY so that H2, too, reads the first entry of the index
            // instead of sorting every waiting ingestion.
            Optional<Candidate> fresh = jdbc.sql("""
                    SELECT id, next_batch, priority, seq FROM ingestion
                    WHERE waiting = TRUE
                    ORDER BY waiting, priority, seq
                    LIMIT 1
                    """)
                    .query((rs, n) -> new Candidate(rs.getObject("id", UUID.class), rs.getInt("next_batch"), 0,
                            rs.getInt("priority"), rs.getLong("seq")))
                    .optional();
            Optional<Candidate> next = orphan.isEmpty() ? fresh
                    : fresh.isEmpty() || orphan.get().precedes(fresh.get()) ? orphan : fresh;
            if (next.isEmpty()) {
                return new Claim.Idle();
            }
            Candidate pick = next.get();
            if (pick == orphan.orElse(null)) {
                restart(pick, now, owner, leaseUntil);
            } else {
                startFresh(pick, now, owner, leaseUntil);
            }
            int attempt = pick.attempts() + 1;
            jdbc.sql("UPDATE rate_limiter SET last_start = :now WHERE id = 1").param("now", ts(now)).update();
            jdbc.sql("""
                    INSERT INTO batch_start (ingestion_id, idx, attempt, started_at, owner)
                    VALUES (:ingestion, :idx, :attempt, :now, :owner)
                    """)
                    .param("ingestion", pick.ingestionId())
                    .param("idx", pick.index())
                    .param("attempt", attempt)
                    .param("now", ts(now))
                    .param("owner", owner)
                    .update();
            return new Claim.Started(new ClaimedBatch(pick.ingestionId(), pick.index(), attempt, now,
                    pendingItems(pick.ingestionId(), pick.index())));
        });
    }

    private void startFresh(Candidate pick, Instant now, String owner, Instant leaseUntil) {
        jdbc.sql("""
                INSERT INTO batch (ingestion_id, idx, status, attempts, started_at, last_started_at, lease_owner, lease_until)
                VALUES (:ingestion, :idx, 'triggered', 1, :now, :now, :owner, :leaseUntil)
                """)
                .param("ingestion", pick.ingestionId())
                .param("idx", pick.index())
                .param("now", ts(now))
                .param("owner", owner)
                .param("leaseUntil", ts(leaseUntil))
                .update();
        jdbc.sql("""
                UPDATE ingestion SET next_batch = next_batch + 1, waiting = (next_batch + 1 < batch_count)
                WHERE id = :ingestion
                """)
                .param("ingestion", pick.ingestionId())
                .update();
    }

    private void restart(Candidate pick, Instant now, String owner, Instant leaseUntil) {
        jdbc.sql("""
                UPDATE batch SET attempts = attempts + 1, last_started_at = :now, lease_owner = :owner, lease_until = :leaseUntil
                WHERE ingestion_id = :ingestion AND idx = :idx
                """)
                .param("ingestion", pick.ingestionId())
                .param("idx", pick.index())
                .param("now", ts(now))
                .param("owner", owner)
                .param("leaseUntil", ts(leaseUntil))
                .update();
    }

    private List<ClaimedBatch.Item> pendingItems(UUID ingestionId, int index) {
        IngestionRow ingestion = findIngestion(ingestionId).orElseThrow();
        int from = ingestion.batchStart(index);
        int to = ingestion.batchEnd(index);
        int chunkNo = from / ingestion.chunkSize();
        int[] chunk = IdCodec.decode(jdbc.sql("""
                SELECT ids FROM ingestion_chunk WHERE ingestion_id = :ingestion AND chunk_no = :no
                """)
                .param("ingestion", ingestionId)
                .param("no", chunkNo)
                .query(byte[].class)
                .single());
        Set<Integer> stored = new HashSet<>(storedPositions(ingestionId, from, to));
        List<ClaimedBatch.Item> items = new ArrayList<>(to - from);
        for (int position = from; position < to; position++) {
            if (!stored.contains(position)) {
                items.add(new ClaimedBatch.Item(position, chunk[position - chunkNo * ingestion.chunkSize()]));
            }
        }
        return items;
    }

    private List<Integer> storedPositions(UUID ingestionId, int from, int to) {
        return jdbc.sql("""
                SELECT position FROM record WHERE ingestion_id = :ingestion AND position >= :from AND position < :to
                """)
                .param("ingestion", ingestionId)
                .param("from", from)
                .param("to", to)
                .query(Integer.class)
                .list();
    }

    /**
     * Stores one fetched record; the write that stores a batch's last record also completes the
     * batch, so a batch is never left triggered with every record stored. Locking the batch row
     * first makes the concurrent completions of one batch see each other's records.
     *
     * @return whether this record completed its batch
     */
    public boolean saveRecord(UUID ingestionId, int index, int position, String data, Instant now) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            String batchStatus = jdbc.sql("""
                    SELECT status FROM batch WHERE ingestion_id = :ingestion AND idx = :idx FOR UPDATE
                    """)
                    .param("ingestion", ingestionId)
                    .param("idx", index)
                    .query(String.class)
                    .single();
            if (!TRIGGERED.equals(batchStatus)) {
                return false;
            }
            try {
                jdbc.sql("""
                        INSERT INTO record (ingestion_id, position, state, data, fetched_at)
                        VALUES (:ingestion, :position, :state, :data, :now)
                        """)
                        .param("ingestion", ingestionId)
                        .param("position", position)
                        .param("state", FETCHED)
                        .param("data", data)
                        .param("now", ts(now))
                        .update();
            } catch (DuplicateKeyException alreadyStored) {
                return false;
            }
            return completeIfAllStored(ingestionId, index, now);
        }));
    }

    /** Completes a batch whose records are all stored (a re-run that found nothing left to fetch). */
    public boolean completeIfAllStored(UUID ingestionId, int index, Instant now) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            IngestionRow ingestion = findIngestion(ingestionId).orElseThrow();
            int from = ingestion.batchStart(index);
            int to = ingestion.batchEnd(index);
            if (storedPositions(ingestionId, from, to).size() < to - from) {
                return false;
            }
            int updated = jdbc.sql("""
                    UPDATE batch SET status = 'completed', completed_at = :now, lease_owner = NULL, lease_until = NULL
                    WHERE ingestion_id = :ingestion AND idx = :idx AND status = 'triggered'
                    """)
                    .param("ingestion", ingestionId)
                    .param("idx", index)
                    .param("now", ts(now))
                    .update();
            if (updated == 1) {
                jdbc.sql("UPDATE ingestion SET completed_batches = completed_batches + 1 WHERE id = :ingestion")
                        .param("ingestion", ingestionId)
                        .update();
            }
            return updated == 1;
        }));
    }

    /** Extends the lease of a batch this owner is running; a lease another owner took is left alone. */
    public boolean renewLease(UUID ingestionId, int index, String owner, Instant leaseUntil) {
        return jdbc.sql("""
                UPDATE batch SET lease_until = :leaseUntil
                WHERE ingestion_id = :ingestion AND idx = :idx AND lease_owner = :owner AND status = 'triggered'
                """)
                .param("ingestion", ingestionId)
                .param("idx", index)
                .param("owner", owner)
                .param("leaseUntil", ts(leaseUntil))
                .update() == 1;
    }

    /** Gives a batch back to the queue at its place in the order, to run again at the next slot. */
    public void releaseLease(UUID ingestionId, int index, String owner) {
        jdbc.sql("""
                UPDATE batch SET lease_owner = NULL, lease_until = NULL
                WHERE ingestion_id = :ingestion AND idx = :idx AND lease_owner = :owner AND status = 'triggered'
                """)
                .param("ingestion", ingestionId)
                .param("idx", index)
                .param("owner", owner)
                .update();
    }

    /** Frees every lease: only for a store that this process alone can use. */
    public int releaseAllLeases() {
        return jdbc.sql("UPDATE batch SET lease_owner = NULL, lease_until = NULL WHERE status = 'triggered'").update();
    }

    // ---- reads ----------------------------------------------------------------------------

    public Optional<IngestionRow> findIngestion(UUID id) {
        return jdbc.sql("""
                SELECT id, seq, priority, batch_size, chunk_size, id_count, batch_count, next_batch,
                       completed_batches, created_at
                FROM ingestion WHERE id = :id
                """)
                .param("id", id)
                .query((rs, n) -> new IngestionRow(rs.getObject("id", UUID.class), rs.getLong("seq"),
                        rs.getInt("priority"), rs.getInt("batch_size"), rs.getInt("chunk_size"), rs.getInt("id_count"),
                        rs.getInt("batch_count"), rs.getInt("next_batch"), rs.getInt("completed_batches"),
                        instant(rs, "created_at")))
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
                        rs.getInt("attempts"), instant(rs, "started_at"), instant(rs, "last_started_at"),
                        instant(rs, "completed_at")))
                .list();
    }

    /** Hands the ingestion's ids to {@code sink} in request order, one chunk at a time. */
    public void forEachIdChunk(IngestionRow ingestion, int fromPosition, int toPosition, Consumer<int[]> sink) {
        if (fromPosition >= toPosition) {
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
                        instant(rs, "fetched_at")))
                .stream()
                .collect(Collectors.toMap(StoredRecord::position, r -> r));
    }

    /**
     * How many batches will start before the first waiting batch of an ingestion: the waiting
     * batches of every ingestion ahead of it, plus the batches waiting for a re-run (its own
     * among them) that come before it in the order. Two range scans of the queue index rather
     * than one OR, which neither backend can turn into an index range.
     */
    public long batchesAhead(IngestionRow ingestion, Instant now) {
        return jdbc.sql("""
                SELECT
                  (SELECT COALESCE(SUM(batch_count - next_batch), 0) FROM ingestion
                   WHERE waiting = TRUE AND priority < :priority)
                + (SELECT COALESCE(SUM(batch_count - next_batch), 0) FROM ingestion
                   WHERE waiting = TRUE AND priority = :priority AND seq < :seq)
                + (SELECT COUNT(*) FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
                   WHERE b.status = 'triggered' AND (b.lease_until IS NULL OR b.lease_until < :now)
                     AND (i.priority < :priority OR (i.priority = :priority AND i.seq <= :seq)))
                """)
                .param("priority", ingestion.priority())
                .param("seq", ingestion.seq())
                .param("now", ts(now))
                .query(Long.class)
                .single();
    }

    public Instant lastStart() {
        return jdbc.sql("SELECT last_start FROM rate_limiter WHERE id = 1")
                .query((rs, n) -> instant(rs, "last_start"))
                .single();
    }

    /** The start log, oldest first. */
    public List<BatchStart> starts() {
        return jdbc.sql("SELECT ingestion_id, idx, attempt, started_at, owner FROM batch_start ORDER BY seq")
                .query((rs, n) -> new BatchStart(rs.getObject("ingestion_id", UUID.class), rs.getInt("idx"),
                        rs.getInt("attempt"), instant(rs, "started_at"), rs.getString("owner")))
                .list();
    }

    public boolean reachable() {
        return jdbc.sql("SELECT 1").query(Integer.class).single() == 1;
    }

    // ---- deployment settings --------------------------------------------------------------

    public Map<String, String> deploymentSettings() {
        return jdbc.sql("SELECT name, setting_value FROM deployment_setting")
                .query((rs, n) -> Map.entry(rs.getString("name"), rs.getString("setting_value")))
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** Records the values in force; a value already present is replaced. */
    public void saveDeploymentSettings(Map<String, String> settings) {
        tx.executeWithoutResult(status -> settings.forEach((name, value) -> {
            int updated = jdbc.sql("UPDATE deployment_setting SET setting_value = :value WHERE name = :name")
                    .param("name", name)
                    .param("value", value)
                    .update();
            if (updated == 0) {
                jdbc.sql("INSERT INTO deployment_setting (name, setting_value) VALUES (:name, :value)")
                        .param("name", name)
                        .param("value", value)
                        .update();
            }
        }));
    }

    // ---- helpers --------------------------------------------------------------------------

    private static OffsetDateTime ts(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private record Candidate(UUID ingestionId, int index, int attempts, int priority, long seq) {

        boolean precedes(Candidate other) {
            if (priority != other.priority) {
                return priority < other.priority;
            }
            if (seq != other.seq) {
                return seq < other.seq;
            }
            return index < other.index;
        }
    }
}
