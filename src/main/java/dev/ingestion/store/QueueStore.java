package dev.ingestion.store;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.ingestion.queue.BatchState;
import dev.ingestion.queue.Claim;
import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.RecordState;

/**
 * Every write of the queue. A claim locks the rate limiter's row ({@link RateLimiterRow}), so
 * claims are serialised across threads and instances alike; whoever holds the lock reads the last
 * start, picks the next batch and records the new start in the same transaction.
 */
public class QueueStore {

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batchJdbc;
    private final TransactionTemplate tx;
    private final QueueReads reads;
    private final RateLimiterRow limiter;
    private final SlotClaim claims;
    private final IngestCommit ingest;
    private final EventLog events;
    /** Owners known to have a tally row; the open scope's comes with the schema. */
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    public QueueStore(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.reads = new QueueReads(dataSource);
        this.limiter = new RateLimiterRow(jdbc);
        this.claims = new SlotClaim(jdbc, reads, new IdChunks(jdbc), limiter);
        this.batchJdbc = new NamedParameterJdbcTemplate(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.ingest = new IngestCommit(jdbc, batchJdbc, reads);
        this.events = new EventLog(jdbc);
    }

    // ---- ingest ---------------------------------------------------------------------------

    /**
     * Stores ingestions and their ids in one transaction: all of them or none. Their sequence
     * numbers follow the order of the list. See {@link IngestCommit}.
     *
     * @param maxWaitingIds the cap on an owner's ids without an outcome; 0: none
     * @return what became of each ingestion, in the order given
     */
    public List<Admission> insertIngestions(List<NewIngestion> ingestions, long maxWaitingIds) {
        for (NewIngestion ingestion : ingestions) {
            if (!registered.contains(ingestion.tallyOwner())) {
                registerOwners(List.of(ingestion.tallyOwner()));
            }
        }
        return tx.execute(status -> ingest.insert(ingestions, maxWaitingIds));
    }

    public List<Admission> insertIngestions(List<NewIngestion> ingestions) {
        return insertIngestions(ingestions, 0);
    }

    /**
     * Gives each owner a tally row ahead of its first ingestion, in a statement of its own: added
     * inside the ingest transaction, two instances adding the same row would fail one commit.
     * Another instance adding the same row at once is as good.
     */
    public void registerOwners(List<String> owners) {
        for (String owner : owners) {
            try {
                jdbc.sql("""
                        INSERT INTO key_tally (owner, waiting_ids)
                        SELECT :owner, 0 WHERE NOT EXISTS (SELECT 1 FROM key_tally WHERE owner = :owner)
                        """).param("owner", owner).update();
            } catch (DuplicateKeyException alreadyThere) {
                // added by another instance between the check and the insert
            }
            registerKeyTurns(owner);
            registered.add(owner);
        }
    }

    /**
     * A new key joins each priority's round just ahead of the key that had the last turn (fair share
     * by key), as a new ingestion does.
     */
    private void registerKeyTurns(String owner) {
        for (Priority priority : Priority.values()) {
            try {
                jdbc.sql("""
                        INSERT INTO key_turn (owner, priority, turn)
                        SELECT :owner, :priority, last_turn - 1 FROM rate_limiter
                        WHERE id = 1
                          AND NOT EXISTS (SELECT 1 FROM key_turn WHERE owner = :owner AND priority = :priority)
                        """)
                        .param("owner", owner)
                        .param("priority", Sql.rank(priority))
                        .update();
            } catch (DuplicateKeyException alreadyThere) {
                // added by another instance between the check and the insert
            }
        }
    }

    public void insertIngestion(NewIngestion ingestion) {
        insertIngestions(List.of(ingestion));
    }

    // ---- dispatch -------------------------------------------------------------------------

    /**
     * Takes the rate limiter's slot if it is open and a batch waits: see {@link SlotClaim}.
     *
     * @param clock the clock that decides slots (the database's on PostgreSQL), read once, inside
     *     the transaction and after the limiter row is locked, so the start recorded is when the
     *     slot was really taken, however long the lock took to get
     */
    public Claim claim(Supplier<Instant> clock, RateLimit rate, String owner, Duration lease) {
        return claim(clock, rate, owner, lease, 0);
    }

    /**
     * Takes the slot as {@link #claim(Supplier, RateLimit, String, Duration)} does, and with slot
     * packing fills it: the next batches in the order join the chosen one whole while the slot's
     * ids stay within {@code packUpTo}, up to the first that does not fit.
     *
     * @param packUpTo the most ids a slot carries (the batch size); 0 for one batch per slot
     */
    public Claim claim(Supplier<Instant> clock, RateLimit rate, String owner, Duration lease, int packUpTo) {
        return claim(clock, rate, owner, lease, packUpTo, Fairness.OFF);
    }

    /**
     * Takes the slot as {@link #claim(Supplier, RateLimit, String, Duration, int)} does, the
     * slots of each priority shared round-robin among its ingestions or keys with fair share.
     */
    public Claim claim(
            Supplier<Instant> clock, RateLimit rate, String owner, Duration lease, int packUpTo, Fairness fairness) {
        return tx.execute(status -> claims.claim(clock, rate, owner, lease, packUpTo, fairness));
    }

    /**
     * Stores one fetched record; the write that stores a batch's last record also completes the
     * batch, so a batch is never left triggered with every record stored. Locking the batch row
     * first makes the concurrent completions of one batch see each other's records.
     *
     * @return whether this record completed its batch
     */
    public boolean saveRecord(UUID ingestionId, int index, int position, String data, Instant now) {
        return saveOutcome(ingestionId, index, position, RecordState.FETCHED, data, now);
    }

    /**
     * Stores the final failure of one id ({@code error}, JSON text): an outcome like a record, so
     * that its batch can complete; the batch counts it among its failed ids.
     */
    public boolean saveFailure(UUID ingestionId, int index, int position, String error, Instant now) {
        return saveOutcome(ingestionId, index, position, RecordState.FAILED, error, now);
    }

    private boolean saveOutcome(
            UUID ingestionId, int index, int position, RecordState state, String data, Instant now) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            String batchStatus = jdbc.sql("""
                    SELECT status FROM batch WHERE ingestion_id = :ingestion AND idx = :idx FOR UPDATE
                    """)
                    .param("ingestion", ingestionId)
                    .param("idx", index)
                    .query(String.class)
                    .single();
            if (BatchState.ofLabel(batchStatus) != BatchState.TRIGGERED) {
                return false;
            }
            try {
                jdbc.sql("""
                        INSERT INTO record (ingestion_id, position, state, data, fetched_at)
                        VALUES (:ingestion, :position, :state, :data, :now)
                        """)
                        .param("ingestion", ingestionId)
                        .param("position", position)
                        .param("state", state.label())
                        .param("data", data)
                        .param("now", Sql.ts(now))
                        .update();
            } catch (DuplicateKeyException alreadyStored) {
                return false;
            }
            if (state == RecordState.FAILED) {
                jdbc.sql("UPDATE batch SET failed_ids = failed_ids + 1 WHERE ingestion_id = :ingestion AND idx = :idx")
                        .param("ingestion", ingestionId)
                        .param("idx", index)
                        .update();
            }
            return completeIfAllStored(ingestionId, index, now);
        }));
    }

    /** Completes a batch whose records are all stored (a re-run that found nothing left to fetch). */
    public boolean completeIfAllStored(UUID ingestionId, int index, Instant now) {
        return Boolean.TRUE.equals(tx.execute(status -> {
            IngestionRow ingestion = reads.findIngestion(ingestionId).orElseThrow();
            int from = ingestion.batchStart(index);
            int to = ingestion.batchEnd(index);
            if (reads.storedPositions(ingestionId, from, to).size() < to - from) {
                return false;
            }
            int updated = jdbc.sql("""
                    UPDATE batch SET status = 'completed', completed_at = :now, lease_owner = NULL, lease_until = NULL
                    WHERE ingestion_id = :ingestion AND idx = :idx AND status = 'triggered'
                    """)
                    .param("ingestion", ingestionId)
                    .param("idx", index)
                    .param("now", Sql.ts(now))
                    .update();
            if (updated == 1) {
                // completed_at: when the last batch completed, which retention counts from.
                jdbc.sql("""
                        UPDATE ingestion SET completed_batches = completed_batches + 1,
                               state = CASE WHEN completed_batches + 1 = batch_count THEN 'completed' ELSE state END,
                               completed_at = CASE WHEN completed_batches + 1 = batch_count THEN :now ELSE completed_at END
                        WHERE id = :ingestion
                        """)
                        .param("ingestion", ingestionId)
                        .param("now", Sql.ts(now))
                        .update();
                // every id of the batch has its outcome now: it no longer counts against a quota
                jdbc.sql("UPDATE key_tally SET waiting_ids = waiting_ids - :ids WHERE owner = :owner")
                        .param("ids", to - from)
                        .param("owner", ingestion.owner() == null ? "" : ingestion.owner())
                        .update();
                int failed = jdbc.sql("SELECT failed_ids FROM batch WHERE ingestion_id = :ingestion AND idx = :idx")
                        .param("ingestion", ingestionId)
                        .param("idx", index)
                        .query(Integer.class)
                        .single();
                events.appendCompletion(ingestionId, index, to - from, failed, now);
                notify(ingestion, EventKind.BATCH_COMPLETED, now);
                boolean last = jdbc.sql("SELECT completed_batches = batch_count FROM ingestion WHERE id = :ingestion")
                        .param("ingestion", ingestionId)
                        .query(Boolean.class)
                        .single();
                if (last) {
                    events.append(ingestionId, EventKind.INGESTION_COMPLETED, null, null, now);
                    notify(ingestion, EventKind.INGESTION_COMPLETED, now);
                }
            }
            return updated == 1;
        }));
    }

    /** The webhook of the event just appended, if the ingestion asked for one of its kind. */
    private void notify(IngestionRow ingestion, EventKind kind, Instant now) {
        Callback callback = ingestion.callback();
        if (callback != null && callback.sends(kind)) {
            WebhookOutbox.enqueue(jdbc, ingestion.id(), kind, callback.url(), now);
        }
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
                        .param("leaseUntil", Sql.ts(leaseUntil))
                        .update()
                == 1;
    }

    /**
     * Hands a batch back to the queue, at its place in the order, to run again no sooner than
     * {@code retryAt}; until then claims pass over it and it holds no lease.
     *
     * @param countedAttempts the upstream attempts its ids still waiting have had
     * @param now when it was handed back, for the event log
     */
    public void scheduleRetry(
            UUID ingestionId, int index, String owner, Instant retryAt, int countedAttempts, Instant now) {
        tx.executeWithoutResult(status -> {
            if (handBack(ingestionId, index, owner, retryAt, countedAttempts) == 1) {
                events.append(ingestionId, EventKind.BATCH_RETRY, index, countedAttempts, now);
            }
        });
    }

    private int handBack(UUID ingestionId, int index, String owner, Instant retryAt, int countedAttempts) {
        return jdbc.sql("""
                UPDATE batch SET lease_owner = NULL, lease_until = NULL, retry_at = :retryAt,
                                 counted_attempts = :counted
                WHERE ingestion_id = :ingestion AND idx = :idx AND lease_owner = :owner AND status = 'triggered'
                """)
                .param("ingestion", ingestionId)
                .param("idx", index)
                .param("owner", owner)
                .param("retryAt", Sql.ts(retryAt))
                .param("counted", countedAttempts)
                .update();
    }

    /**
     * Tells the rate limiter how the upstream took a slot (see {@link RateLimit#after}): throttled
     * doubles the interval in force, and no slot opens before {@code retryAfter} from the deciding
     * clock's now; answered shrinks a stretched interval back after a run of them; down counts
     * towards opening the breaker.
     *
     * @return the limiter's state after the report
     */
    public RateLimit.State reportSlot(
            Supplier<Instant> clock, RateLimit rate, RateLimit.Slot slot, Duration retryAfter) {
        return tx.execute(status -> {
            RateLimit.State before = limiter.lock(rate);
            RateLimit.State after = rate.after(before, slot, clock.get(), retryAfter);
            if (!after.equals(before)) {
                limiter.adapt(after);
            }
            return after;
        });
    }

    /**
     * Pauses or resumes dispatch on every instance: claims answer {@link Claim.Paused} while it
     * is paused. A claim under way finishes first (the limiter's lock).
     */
    public void pause(boolean paused) {
        tx.executeWithoutResult(status -> limiter.pause(paused));
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

    /**
     * Gives back every lease this owner holds, so that its batches run again at the next slot of
     * whichever instance claims first, rather than once the leases run out. For an instance that
     * is shutting down with batches still running; records already stored stay, and a re-run
     * fetches only the missing ids.
     *
     * @return how many batches were given back
     */
    public int releaseLeasesOf(String owner) {
        return jdbc.sql("""
                UPDATE batch SET lease_owner = NULL, lease_until = NULL
                WHERE status = 'triggered' AND lease_owner = :owner
                """).param("owner", owner).update();
    }

    /** Frees every lease: only for a store that this process alone can use. */
    public int releaseAllLeases() {
        return jdbc.sql("UPDATE batch SET lease_owner = NULL, lease_until = NULL WHERE status = 'triggered'")
                .update();
    }
}
