package dev.ingestion.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import org.springframework.jdbc.core.simple.JdbcClient;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;

/**
 * Taking a slot: lock the limiter row, and if the slot is open, pick the first batch by
 * (priority, ingestion sequence, batch index) among the waiting batches and the triggered batches
 * whose lease has run out (a re-run keeps its place in that order), mark it started with a lease,
 * and record the start. With slot packing, the batches that follow it in that order join the slot
 * while their ids fit. With fair share, "ingestion sequence" gives way to (turn, ingestion
 * sequence): the turn of the ingestion, or of its key, is a ticket from the limiter row's counter,
 * and each start gives its ingestion (or key) the next one, which sends it to the back of its
 * priority's round. Every step in one transaction, so no two claims see the same slot or the same
 * batch, and the tickets follow the starts.
 */
final class SlotClaim {

    private final JdbcClient jdbc;
    private final QueueReads reads;
    private final IdChunks chunks;
    private final RateLimiterRow limiter;
    private final EventLog events;

    SlotClaim(JdbcClient jdbc, QueueReads reads, IdChunks chunks, RateLimiterRow limiter) {
        this.jdbc = jdbc;
        this.reads = reads;
        this.chunks = chunks;
        this.limiter = limiter;
        this.events = new EventLog(jdbc);
    }

    /**
     * Runs inside the caller's transaction, which the limiter's lock then spans.
     *
     * @param packUpTo with slot packing, the most ids the slot carries: after the chosen batch, the
     *     next batches in the order join it whole while they fit, up to the first that does not;
     *     0 for one batch per slot
     * @param fairness how the slots of one priority are shared among its ingestions
     */
    Claim claim(
            Supplier<Instant> clock, RateLimit rate, String owner, Duration lease, int packUpTo, Fairness fairness) {
        RateLimiterRow.Row row = limiter.lockRow(rate);
        if (row.paused()) {
            return new Claim.Paused();
        }
        RateLimit.State limit = row.state();
        Instant now = clock.get();
        if (!rate.isOpen(limit, now)) {
            return new Claim.NotBefore(rate.slotAfter(limit), now);
        }
        Instant leaseUntil = now.plus(lease);
        boolean probe = rate.breakerOpen(limit);
        Optional<Pick> first = next(now, fairness);
        if (first.isEmpty()) {
            return new Claim.Idle();
        }
        limiter.recordStart(now);
        List<ClaimedBatch> slot = new ArrayList<>();
        slot.add(start(first.get(), now, owner, leaseUntil, probe, fairness));
        // A probe sends one id to see whether the upstream is back: it travels alone. Starting a
        // batch takes it out of both selections (a fresh one moves next_batch on, a re-run gets a
        // lease), so the same two reads give the next batch in the order.
        int ids = slot.get(0).toFetch().size();
        while (!probe && ids < packUpTo) {
            Optional<Pick> following = next(now, fairness);
            if (following.isEmpty() || ids + following.get().pending().size() > packUpTo) {
                break;
            }
            ClaimedBatch packed = start(following.get(), now, owner, leaseUntil, false, fairness);
            ids += packed.toFetch().size();
            slot.add(packed);
        }
        return new Claim.Started(slot);
    }

    /**
     * The first batch by (priority, turn, ingestion sequence, batch index) among the waiting
     * batches and the triggered ones whose lease ran out and whose retry is due, with the ids it
     * still has to fetch. The turn is 0 for every batch without fair share.
     */
    private Optional<Pick> next(Instant now, Fairness fairness) {
        Optional<Candidate> orphan = jdbc.sql(orphanQuery(fairness))
                .param("now", Sql.ts(now))
                .query((rs, n) -> new Candidate(
                        rs.getObject("ingestion_id", UUID.class),
                        rs.getInt("idx"),
                        rs.getInt("attempts"),
                        rs.getInt("counted_attempts"),
                        Sql.priority(rs, "priority"),
                        rs.getLong("seq"),
                        rs.getLong("turn"),
                        rs.getString("owner")))
                .optional();
        Optional<Candidate> fresh = switch (fairness) {
            case OFF -> firstInFirstOut();
            case INGESTION -> roundOfIngestions();
            case KEY -> roundOfKeys();
        };
        Optional<Candidate> next =
                orphan.isEmpty() ? fresh : fresh.isEmpty() || orphan.get().precedes(fresh.get()) ? orphan : fresh;
        return next.map(
                pick -> new Pick(pick, pick == orphan.orElse(null), pendingItems(pick.ingestionId(), pick.index())));
    }

    /**
     * Re-runs are few (batches whose lease ran out, retries due), so they are sorted rather than
     * read off an index; with fair share a re-run stands in its ingestion's (or key's) turn, as its
     * fresh batches do, and starting it uses that turn up.
     */
    private static String orphanQuery(Fairness fairness) {
        switch (fairness) {
            case INGESTION:
                return """
                        SELECT b.ingestion_id, b.idx, b.attempts, b.counted_attempts, i.priority, i.seq, i.turn, i.owner
                        FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
                        WHERE b.status = 'triggered' AND (b.lease_until IS NULL OR b.lease_until < :now)
                          AND (b.retry_at IS NULL OR b.retry_at <= :now)
                        ORDER BY i.priority, i.turn, i.seq, b.idx
                        LIMIT 1
                        """;
            case KEY:
                return """
                        SELECT b.ingestion_id, b.idx, b.attempts, b.counted_attempts, i.priority, i.seq,
                               COALESCE(k.turn, 0) AS turn, i.owner
                        FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
                        LEFT JOIN key_turn k ON k.owner = COALESCE(i.owner, '') AND k.priority = i.priority
                        WHERE b.status = 'triggered' AND (b.lease_until IS NULL OR b.lease_until < :now)
                          AND (b.retry_at IS NULL OR b.retry_at <= :now)
                        ORDER BY i.priority, COALESCE(k.turn, 0), i.seq, b.idx
                        LIMIT 1
                        """;
            default:
                return """
                        SELECT b.ingestion_id, b.idx, b.attempts, b.counted_attempts, i.priority, i.seq, 0 AS turn,
                               i.owner
                        FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
                        WHERE b.status = 'triggered' AND (b.lease_until IS NULL OR b.lease_until < :now)
                          AND (b.retry_at IS NULL OR b.retry_at <= :now)
                        ORDER BY i.priority, i.seq, b.idx
                        LIMIT 1
                        """;
        }
    }

    private Optional<Candidate> firstInFirstOut() {
        // "waiting" leads the ORDER BY so that H2, too, reads the first entry of the index
        // instead of sorting every waiting ingestion.
        return jdbc.sql("""
                        SELECT id, next_batch, priority, seq, 0 AS turn, owner FROM ingestion
                        WHERE waiting = TRUE
                        ORDER BY waiting, priority, seq
                        LIMIT 1
                        """).query(SlotClaim::freshCandidate).optional();
    }

    /**
     * The first entry of ingestion_fair_queue, then its row by seq: one entry read however many
     * ingestions wait. The inner read asks only for the index's own columns because H2, given two
     * indexes that both serve "waiting = TRUE", takes the older (ingestion_queue) and sorts every
     * waiting ingestion, unless one of them covers the query.
     */
    private Optional<Candidate> roundOfIngestions() {
        return jdbc.sql("""
                        SELECT id, next_batch, priority, seq, turn, owner FROM ingestion
                        WHERE seq = (SELECT seq FROM ingestion
                                     WHERE waiting = TRUE
                                     ORDER BY waiting, priority, turn, seq
                                     LIMIT 1)
                        """).query(SlotClaim::freshCandidate).optional();
    }

    /**
     * The key whose turn comes first, by key_turn's index, passing over keys with nothing waiting in
     * that priority (one index probe each: the walk grows with the keys, never with the
     * ingestions); then that key's first waiting ingestion of the priority, one entry of
     * ingestion_key_queue. Work stored while API keys were off has no owner and stands in the turn
     * of the key '': its first waiting ingestion is one more entry of the same index, compared here.
     *
     * <p>The probe is a scalar subquery ordered as the index with a LIMIT, rather than EXISTS:
     * PostgreSQL turned an EXISTS into a hashed plan that read every waiting ingestion (0.8 s a
     * claim with a million), and an unordered probe into a sequential scan that stops at the first
     * match, which reads the whole table for a key with nothing waiting (0.5 s).
     */
    private Optional<Candidate> roundOfKeys() {
        Optional<Candidate> keyed = jdbc.sql("""
                        SELECT k.owner, k.priority, k.turn FROM key_turn k
                        WHERE k.owner <> ''
                          AND (SELECT 1 FROM ingestion i
                               WHERE i.owner = k.owner AND i.waiting = TRUE AND i.priority = k.priority
                               ORDER BY i.owner, i.waiting, i.priority, i.seq
                               LIMIT 1) IS NOT NULL
                        ORDER BY k.priority, k.turn, k.owner
                        LIMIT 1
                        """)
                .query((rs, n) -> new KeyTurn(rs.getString("owner"), rs.getInt("priority"), rs.getLong("turn")))
                .optional()
                .flatMap(key -> jdbc.sql("""
                                SELECT id, next_batch, priority, seq, :turn AS turn, owner FROM ingestion
                                WHERE owner = :owner AND waiting = TRUE AND priority = :priority
                                ORDER BY owner, waiting, priority, seq
                                LIMIT 1
                                """)
                        .param("owner", key.owner())
                        .param("priority", key.priority())
                        .param("turn", key.turn())
                        .query(SlotClaim::freshCandidate)
                        .optional());
        Optional<Candidate> ownerless =
                jdbc.sql("""
                        SELECT i.id, i.next_batch, i.priority, i.seq, i.owner,
                               (SELECT k.turn FROM key_turn k WHERE k.owner = '' AND k.priority = i.priority) AS turn
                        FROM ingestion i
                        WHERE i.owner IS NULL AND i.waiting = TRUE
                        ORDER BY i.owner, i.waiting, i.priority, i.seq
                        LIMIT 1
                        """).query(SlotClaim::freshCandidate).optional();
        if (keyed.isEmpty()) {
            return ownerless;
        }
        if (ownerless.isEmpty()) {
            return keyed;
        }
        // the same order as the walk's: a key's turn, then its name ('' first)
        Candidate key = keyed.get();
        Candidate none = ownerless.get();
        boolean keyFirst = key.priority() != none.priority()
                ? key.priority().compareTo(none.priority()) < 0
                : key.turn() < none.turn();
        return keyFirst ? keyed : ownerless;
    }

    private static Candidate freshCandidate(ResultSet rs, int n) throws SQLException {
        return new Candidate(
                rs.getObject("id", UUID.class),
                rs.getInt("next_batch"),
                0,
                0,
                Sql.priority(rs, "priority"),
                rs.getLong("seq"),
                rs.getLong("turn"),
                rs.getString("owner"));
    }

    /**
     * Sends the started batch's ingestion, or its key, to the back of its priority's round: the
     * next ticket is larger than every turn given so far.
     */
    private void useTurn(Candidate pick, Fairness fairness) {
        if (!fairness.on()) {
            return;
        }
        long ticket = limiter.takeTurn();
        if (fairness == Fairness.INGESTION) {
            jdbc.sql("UPDATE ingestion SET turn = :turn WHERE id = :ingestion")
                    .param("turn", ticket)
                    .param("ingestion", pick.ingestionId())
                    .update();
        } else {
            jdbc.sql("UPDATE key_turn SET turn = :turn WHERE owner = :owner AND priority = :priority")
                    .param("turn", ticket)
                    .param("owner", pick.owner() == null ? "" : pick.owner())
                    .param("priority", Sql.rank(pick.priority()))
                    .update();
        }
    }

    /** Marks a batch started with a lease at {@code now}, the slot's start, and logs the start. */
    private ClaimedBatch start(
            Pick chosen, Instant now, String owner, Instant leaseUntil, boolean probe, Fairness fairness) {
        Candidate pick = chosen.candidate();
        if (chosen.rerun()) {
            restart(pick, now, owner, leaseUntil);
        } else {
            startFresh(pick, now, owner, leaseUntil);
        }
        useTurn(pick, fairness);
        int attempt = pick.attempts() + 1;
        jdbc.sql("""
                INSERT INTO batch_start (ingestion_id, idx, attempt, started_at, owner)
                VALUES (:ingestion, :idx, :attempt, :now, :owner)
                """)
                .param("ingestion", pick.ingestionId())
                .param("idx", pick.index())
                .param("attempt", attempt)
                .param("now", Sql.ts(now))
                .param("owner", owner)
                .update();
        events.append(pick.ingestionId(), EventKind.BATCH_STARTED, pick.index(), attempt, now);
        return new ClaimedBatch(
                pick.ingestionId(),
                pick.index(),
                pick.priority(),
                attempt,
                pick.countedAttempts(),
                now,
                chosen.pending(),
                probe);
    }

    private void startFresh(Candidate pick, Instant now, String owner, Instant leaseUntil) {
        jdbc.sql("""
                INSERT INTO batch (ingestion_id, idx, status, attempts, started_at, last_started_at, lease_owner, lease_until)
                VALUES (:ingestion, :idx, 'triggered', 1, :now, :now, :owner, :leaseUntil)
                """)
                .param("ingestion", pick.ingestionId())
                .param("idx", pick.index())
                .param("now", Sql.ts(now))
                .param("owner", owner)
                .param("leaseUntil", Sql.ts(leaseUntil))
                .update();
        jdbc.sql("""
                UPDATE ingestion SET next_batch = next_batch + 1, waiting = (next_batch + 1 < batch_count),
                                     state = 'triggered'
                WHERE id = :ingestion
                """).param("ingestion", pick.ingestionId()).update();
        jdbc.sql("""
                UPDATE queue_tally SET batches = batches + 1,
                       ids = ids + (SELECT LEAST(batch_size, id_count - :idx * batch_size) FROM ingestion WHERE id = :ingestion)
                WHERE counter = 'started' AND priority = :priority
                """)
                .param("priority", Sql.rank(pick.priority()))
                .param("idx", pick.index())
                .param("ingestion", pick.ingestionId())
                .update();
    }

    private void restart(Candidate pick, Instant now, String owner, Instant leaseUntil) {
        jdbc.sql("""
                UPDATE batch SET attempts = attempts + 1, last_started_at = :now, lease_owner = :owner, lease_until = :leaseUntil,
                                 retry_at = NULL
                WHERE ingestion_id = :ingestion AND idx = :idx
                """)
                .param("ingestion", pick.ingestionId())
                .param("idx", pick.index())
                .param("now", Sql.ts(now))
                .param("owner", owner)
                .param("leaseUntil", Sql.ts(leaseUntil))
                .update();
    }

    private List<ClaimedBatch.Item> pendingItems(UUID ingestionId, int index) {
        IngestionRow ingestion = reads.findIngestion(ingestionId).orElseThrow();
        int from = ingestion.batchStart(index);
        int to = ingestion.batchEnd(index);
        int[] ids = chunks.range(ingestion, from, to);
        Set<Integer> stored = new HashSet<>(reads.storedPositions(ingestionId, from, to));
        List<ClaimedBatch.Item> items = new ArrayList<>(to - from);
        for (int position = from; position < to; position++) {
            if (!stored.contains(position)) {
                items.add(new ClaimedBatch.Item(position, ids[position - from]));
            }
        }
        return items;
    }

    /** A batch chosen to start: a re-run or a fresh one, and its ids without an outcome. */
    private record Pick(Candidate candidate, boolean rerun, List<ClaimedBatch.Item> pending) {}

    /** A key's place in a priority's round. */
    private record KeyTurn(String owner, int priority, long turn) {}

    /** @param owner the API key that sent the ingestion; null when keys were off */
    private record Candidate(
            UUID ingestionId,
            int index,
            int attempts,
            int countedAttempts,
            Priority priority,
            long seq,
            long turn,
            String owner) {

        boolean precedes(Candidate other) {
            if (priority != other.priority) {
                return priority.compareTo(other.priority) < 0;
            }
            if (turn != other.turn) {
                return turn < other.turn;
            }
            if (seq != other.seq) {
                return seq < other.seq;
            }
            return index < other.index;
        }
    }
}
