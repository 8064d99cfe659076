package dev.ingestion.store;

import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;

import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.ingestion.queue.Priority;

/**
 * The ingest transaction: a group of new ingestions stored at once, each one's idempotency key and
 * quota settled inside it. Locks are taken in one order by every such transaction (queue totals by
 * priority, then the owners' tallies by name), so two of them, on any instances, never deadlock;
 * the batch-completing writes take an owner's tally last, after rows no ingest touches.
 */
final class IngestCommit {

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batchJdbc;
    private final QueueReads reads;

    IngestCommit(JdbcClient jdbc, NamedParameterJdbcTemplate batchJdbc, QueueReads reads) {
        this.jdbc = jdbc;
        this.batchJdbc = batchJdbc;
        this.reads = reads;
    }

    /**
     * @param maxWaitingIds the cap on an owner's ids without an outcome; 0: none
     * @return what became of each ingestion, in the order given
     */
    List<Admission> insert(List<NewIngestion> group, long maxWaitingIds) {
        Map<Priority, Long> enqueued = lockQueueTotals(group);
        Map<String, Long> waiting = lockOwnerTallies(group);
        Admission[] admissions = new Admission[group.size()];
        boolean[] keyStored = settleKeys(group, admissions);
        List<MapSqlParameterSource> refusedKeys = new ArrayList<>();
        for (int i = 0; i < group.size(); i++) {
            if (admissions[i] == null) {
                NewIngestion ingestion = group.get(i);
                long before = waiting.get(ingestion.tallyOwner());
                if (maxWaitingIds > 0 && before + ingestion.ids().length > maxWaitingIds) {
                    admissions[i] = new Admission.OverQuota(before);
                    if (keyStored[i]) {
                        refusedKeys.add(keyName(ingestion.idempotency()));
                    }
                } else {
                    waiting.put(ingestion.tallyOwner(), before + ingestion.ids().length);
                }
            }
        }
        if (!refusedKeys.isEmpty()) {
            // A refused request keeps no key: its retry, once the owner is under the cap, is a new request.
            batchJdbc.batchUpdate(
                    "DELETE FROM idempotency_key WHERE scope = :scope AND idem_key = :key",
                    refusedKeys.toArray(MapSqlParameterSource[]::new));
        }
        List<NewIngestion> stored = new ArrayList<>();
        Map<String, Long> added = new TreeMap<>();
        for (int i = 0; i < group.size(); i++) {
            if (admissions[i] == null) {
                admissions[i] = Admission.STORED;
                NewIngestion ingestion = group.get(i);
                stored.add(ingestion);
                added.merge(ingestion.tallyOwner(), (long) ingestion.ids().length, Long::sum);
            }
        }
        if (!stored.isEmpty()) {
            insertRows(stored, enqueued);
            added.forEach((owner, ids) -> jdbc.sql(
                            "UPDATE key_tally SET waiting_ids = waiting_ids + :ids WHERE owner = :owner")
                    .param("ids", ids)
                    .param("owner", owner)
                    .update());
        }
        return List.of(admissions);
    }

    /** Locked before the rows get their seq, so that within a priority the totals follow seq. */
    private Map<Priority, Long> lockQueueTotals(List<NewIngestion> group) {
        Map<Priority, Long> enqueued = new TreeMap<>();
        jdbc.sql("""
                SELECT priority, batches FROM queue_tally
                WHERE counter = 'enqueued' AND priority IN (:priorities)
                ORDER BY priority FOR UPDATE
                """)
                .param(
                        "priorities",
                        group.stream()
                                .map(i -> Sql.rank(i.priority()))
                                .distinct()
                                .toList())
                .query((RowCallbackHandler) rs -> enqueued.put(Sql.priority(rs, "priority"), rs.getLong("batches")));
        return enqueued;
    }

    /**
     * Stores the key of each keyed request unless a commit already holds it, and answers those
     * whose key is held as that commit answered them; says which keys it stored. A key's own
     * insert is its look-up: a probe of the primary key with both of its columns, which no
     * planner turns into a scan whatever the table's statistics say. A batched read of the
     * group's keys (scope = ? AND key IN (...)) before the inserts did: on PostgreSQL, until the
     * table's first ANALYZE, its plan read every key of the scope and filtered, a read that grew
     * with the table (20 ms a commit at 100,000 keys, most of the commit). Done after the owners'
     * tallies are locked: a key's scope is its owner, so a commit of the same key on another
     * instance either committed before that lock was granted, and its key is found here, or waits
     * for this one and finds this one's.
     */
    private boolean[] settleKeys(List<NewIngestion> group, Admission[] admissions) {
        boolean[] stored = new boolean[group.size()];
        List<Integer> pending = new ArrayList<>();
        Set<IdempotencyKey.Name> names = new HashSet<>();
        for (int i = 0; i < group.size(); i++) {
            IdempotencyKey key = group.get(i).idempotency();
            if (key != null) {
                if (!names.add(key.name())) {
                    // Ingestions holds a key while it commits, so one group never has it twice.
                    throw new IllegalArgumentException("one commit holds the key " + key.name() + " twice");
                }
                pending.add(i);
            }
        }
        while (!pending.isEmpty()) {
            if (insertNewKeys(group, pending) == pending.size()) {
                pending.forEach(i -> stored[i] = true);
                return stored;
            }
            // Some were held: a stored key names the ingestion it came with, so this commit's own are told apart.
            pending = sortOut(group, pending, stored, admissions);
        }
        return stored;
    }

    /**
     * One statement for all the keys, not one per key: on PostgreSQL a statement's own cost (bind,
     * executor start and end) was about half of what a key cost, beside its row and index entries.
     * Each row is checked by a count in a subquery of its own, which PostgreSQL runs as a probe of
     * the primary key per row. A NOT EXISTS there is turned into an anti-join, and on a table not
     * yet analyzed (or nearly empty) into a hash join over a scan of every key; once the driver
     * prepares the statement, that plan stays until the table is next analyzed.
     *
     * @return how many it stored
     */
    private int insertNewKeys(List<NewIngestion> group, List<Integer> at) {
        MapSqlParameterSource params = new MapSqlParameterSource();
        StringJoiner rows = new StringJoiner(", ");
        for (int j = 0; j < at.size(); j++) {
            NewIngestion ingestion = group.get(at.get(j));
            IdempotencyKey key = ingestion.idempotency();
            params.addValue("scope" + j, key.scope())
                    .addValue("key" + j, key.key())
                    .addValue("fingerprint" + j, key.fingerprint())
                    .addValue("ingestion" + j, ingestion.id())
                    .addValue("status" + j, key.status())
                    .addValue("createdAt" + j, Sql.ts(ingestion.createdAt()));
            rows.add(KEY_ROW.replace("#", Integer.toString(j)));
        }
        return batchJdbc.update(INSERT_NEW_KEYS.replace("#ROWS", rows.toString()), params);
    }

    private static final String INSERT_NEW_KEYS = """
            INSERT INTO idempotency_key (scope, idem_key, fingerprint, ingestion_id, status, created_at)
            SELECT v.scope, v.idem_key, v.fingerprint, v.ingestion_id, v.status, v.created_at
            FROM (VALUES #ROWS) AS v (scope, idem_key, fingerprint, ingestion_id, status, created_at)
            WHERE (SELECT COUNT(*) FROM idempotency_key k WHERE k.scope = v.scope AND k.idem_key = v.idem_key) = 0
            """;

    private static final String KEY_ROW = "(:scope#, :key#, :fingerprint#, :ingestion#, :status#, :createdAt#)";

    private static MapSqlParameterSource keyName(IdempotencyKey key) {
        return new MapSqlParameterSource().addValue("scope", key.scope()).addValue("key", key.key());
    }

    /**
     * Reads the keys at {@code at} back: those naming their own request's ingestion were stored
     * just now; the others are answered as the commit that stored them answered. Returns those
     * whose key is no longer there (the purge deleted it between the insert and this read), to be
     * tried again.
     */
    private List<Integer> sortOut(
            List<NewIngestion> group, List<Integer> at, boolean[] stored, Admission[] admissions) {
        // One read per scope (a commit's requests are mostly one key's), not one per request: on
        // PostgreSQL each read is a round trip the whole group waits for.
        Map<String, List<String>> keysByScope = new HashMap<>();
        for (int i : at) {
            IdempotencyKey key = group.get(i).idempotency();
            keysByScope.computeIfAbsent(key.scope(), scope -> new ArrayList<>()).add(key.key());
        }
        Map<IdempotencyKey.Name, Admission.Replayed> found = new HashMap<>();
        keysByScope.forEach((scope, keys) -> reads.storedKeys(scope, keys)
                .forEach((key, answer) -> found.put(new IdempotencyKey.Name(scope, key), answer)));
        List<Integer> gone = new ArrayList<>();
        for (int i : at) {
            NewIngestion ingestion = group.get(i);
            Admission.Replayed answer = found.get(ingestion.idempotency().name());
            if (answer == null) {
                gone.add(i);
            } else if (answer.ingestionId().equals(ingestion.id())) {
                stored[i] = true;
            } else {
                admissions[i] = answer;
            }
        }
        return gone;
    }

    /** The tallies of the group's owners ({@link QueueStore#registerOwners} made them), locked in name order. */
    private Map<String, Long> lockOwnerTallies(List<NewIngestion> group) {
        TreeSet<String> owners = new TreeSet<>();
        group.forEach(ingestion -> owners.add(ingestion.tallyOwner()));
        Map<String, Long> waiting = new HashMap<>();
        jdbc.sql("SELECT owner, waiting_ids FROM key_tally WHERE owner IN (:owners) ORDER BY owner FOR UPDATE")
                .param("owners", List.copyOf(owners))
                .query((RowCallbackHandler) rs -> waiting.put(rs.getString("owner"), rs.getLong("waiting_ids")));
        if (waiting.size() < owners.size()) {
            throw new IllegalStateException("owners without a tally: " + owners + " found " + waiting.keySet());
        }
        return waiting;
    }

    private void insertRows(List<NewIngestion> ingestions, Map<Priority, Long> enqueued) {
        List<MapSqlParameterSource> rows = new ArrayList<>(ingestions.size());
        List<MapSqlParameterSource> chunkRows = new ArrayList<>();
        // Just ahead of the ingestion that had the last turn, behind every other one waiting. Read
        // without a lock: a claim moving the counter meanwhile puts these one turn further ahead,
        // where they would have been a moment earlier.
        long turn = new RateLimiterRow(jdbc).lastTurn() - 1;
        for (NewIngestion ingestion : ingestions) {
            int[] ids = ingestion.ids();
            int chunkSize = IdChunks.chunkSize(ingestion.batchSize());
            Callback callback = ingestion.callback();
            long before = enqueued.get(ingestion.priority());
            enqueued.put(ingestion.priority(), before + ingestion.batchCount());
            rows.add(new MapSqlParameterSource()
                    .addValue("id", ingestion.id())
                    .addValue("priority", Sql.rank(ingestion.priority()))
                    .addValue("batchSize", ingestion.batchSize())
                    .addValue("chunkSize", chunkSize)
                    .addValue("idCount", ids.length)
                    .addValue("batchCount", ingestion.batchCount())
                    .addValue("createdAt", Sql.ts(ingestion.createdAt()))
                    .addValue("ids", IdChunks.inline(ids, chunkSize), Types.VARBINARY)
                    .addValue("enqueuedBefore", before)
                    .addValue("owner", ingestion.owner())
                    .addValue("turn", turn)
                    .addValue(
                            "callbackUrl",
                            callback == null ? null : callback.url().toString())
                    .addValue("callbackEvents", callback == null ? null : callback.eventsColumn()));
            IdChunks.addChunkRows(ingestion.id(), ids, chunkSize, chunkRows);
        }
        batchJdbc.batchUpdate("""
                INSERT INTO ingestion (id, priority, batch_size, chunk_size, id_count, batch_count, waiting, created_at,
                                       ids, enqueued_before, owner, turn, callback_url, callback_events)
                VALUES (:id, :priority, :batchSize, :chunkSize, :idCount, :batchCount, TRUE, :createdAt,
                        :ids, :enqueuedBefore, :owner, :turn, :callbackUrl, :callbackEvents)
                """, rows.toArray(MapSqlParameterSource[]::new));
        Map<Priority, Long> ids = new TreeMap<>();
        ingestions.forEach(ingestion -> ids.merge(ingestion.priority(), (long) ingestion.ids().length, Long::sum));
        ids.forEach((priority, added) -> jdbc.sql("""
                UPDATE queue_tally SET batches = :batches, ids = ids + :ids
                WHERE counter = 'enqueued' AND priority = :priority
                """)
                .param("batches", enqueued.get(priority))
                .param("ids", added)
                .param("priority", Sql.rank(priority))
                .update());
        if (!chunkRows.isEmpty()) {
            batchJdbc.batchUpdate("""
                    INSERT INTO ingestion_chunk (ingestion_id, chunk_no, ids) VALUES (:ingestion, :no, :ids)
                    """, chunkRows.toArray(MapSqlParameterSource[]::new));
        }
    }
}
