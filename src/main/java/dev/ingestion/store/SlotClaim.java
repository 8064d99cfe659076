package dev.ingestion.store;

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
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;

/**
 * Taking a slot: lock the limiter row, and if the slot is open, pick the first batch by
 * (priority, ingestion sequence, batch index) among the waiting batches and the triggered batches
 * whose lease has run out (a re-run keeps its place in that order), mark it started with a lease,
 * and record the start. With slot packing, the batches that follow it in that order join the slot
 * while their ids fit. Every step in one transaction, so no two claims see the same slot or the
 * same batch.
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
     */
    Claim claim(Supplier<Instant> clock, RateLimit rate, String owner, Duration lease, int packUpTo) {
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
        Optional<Pick> first = next(now);
        if (first.isEmpty()) {
            return new Claim.Idle();
        }
        limiter.recordStart(now);
        List<ClaimedBatch> slot = new ArrayList<>();
        slot.add(start(first.get(), now, owner, leaseUntil, probe));
        // A probe sends one id to see whether the upstream is back: it travels alone. Starting a
        // batch takes it out of both selections (a fresh one moves next_batch on, a re-run gets a
        // lease), so the same two reads give the next batch in the order.
        int ids = slot.get(0).toFetch().size();
        while (!probe && ids < packUpTo) {
            Optional<Pick> following = next(now);
            if (following.isEmpty() || ids + following.get().pending().size() > packUpTo) {
                break;
            }
            ClaimedBatch packed = start(following.get(), now, owner, leaseUntil, false);
            ids += packed.toFetch().size();
            slot.add(packed);
        }
        return new Claim.Started(slot);
    }

    /**
     * The first batch by (priority, ingestion sequence, batch index) among the waiting batches and
     * the triggered ones whose lease ran out and whose retry is due, with the ids it still has to
     * fetch.
     */
    private Optional<Pick> next(Instant now) {
        Optional<Candidate> orphan = jdbc.sql("""
                SELECT b.ingestion_id, b.idx, b.attempts, b.counted_attempts, i.priority, i.seq
                FROM batch b JOIN ingestion i ON i.id = b.ingestion_id
                WHERE b.status = 'triggered' AND (b.lease_until IS NULL OR b.lease_until < :now)
                  AND (b.retry_at IS NULL OR b.retry_at <= :now)
                ORDER BY i.priority, i.seq, b.idx
                LIMIT 1
                """)
                .param("now", Sql.ts(now))
                .query((rs, n) -> new Candidate(
                        rs.getObject("ingestion_id", UUID.class),
                        rs.getInt("idx"),
                        rs.getInt("attempts"),
                        rs.getInt("counted_attempts"),
                        Sql.priority(rs, "priority"),
                        rs.getLong("seq")))
                .optional();
        // "waiting" leads the ORDER BY so that H2, too, reads the first entry of the index
        // instead of sorting every waiting ingestion.
        Optional<Candidate> fresh = jdbc.sql("""
                SELECT id, next_batch, priority, seq FROM ingestion
                WHERE waiting = TRUE
                ORDER BY waiting, priority, seq
                LIMIT 1
                """)
                .query((rs, n) -> new Candidate(
                        rs.getObject("id", UUID.class),
                        rs.getInt("next_batch"),
                        0,
                        0,
                        Sql.priority(rs, "priority"),
                        rs.getLong("seq")))
                .optional();
        Optional<Candidate> next =
                orphan.isEmpty() ? fresh : fresh.isEmpty() || orphan.get().precedes(fresh.get()) ? orphan : fresh;
        return next.map(
                pick -> new Pick(pick, pick == orphan.orElse(null), pendingItems(pick.ingestionId(), pick.index())));
    }

    /** Marks a batch started with a lease at {@code now}, the slot's start, and logs the start. */
    private ClaimedBatch start(Pick chosen, Instant now, String owner, Instant leaseUntil, boolean probe) {
        Candidate pick = chosen.candidate();
        if (chosen.rerun()) {
            restart(pick, now, owner, leaseUntil);
        } else {
            startFresh(pick, now, owner, leaseUntil);
        }
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

    private record Candidate(
            UUID ingestionId, int index, int attempts, int countedAttempts, Priority priority, long seq) {

        boolean precedes(Candidate other) {
            if (priority != other.priority) {
                return priority.compareTo(other.priority) < 0;
            }
            if (seq != other.seq) {
                return seq < other.seq;
            }
            return index < other.index;
        }
    }
}
