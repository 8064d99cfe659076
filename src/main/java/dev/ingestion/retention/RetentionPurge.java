package dev.ingestion.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.ingestion.store.Retention;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Deletes what has been kept long enough: ingestions completed more than INGEST_RETENTION ago,
 * with every row of theirs, and idempotency keys older than INGEST_IDEMPOTENCY_TTL. A sweep runs
 * soon after start and then a minute after the previous one ended, on a thread of its own; it
 * works in small transactions with a pause after each, so that the ingest path and the claims,
 * which never wait for a purge's locks, seldom queue behind its writes either. Any instance of a
 * deployment may sweep at any time: two sweeps at once take different rows.
 */
public final class RetentionPurge implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RetentionPurge.class);

    /** Far enough after start that the purge does not compete with it. */
    static final Duration FIRST_SWEEP_AFTER = Duration.ofSeconds(10);

    static final Duration BETWEEN_SWEEPS = Duration.ofMinutes(1);

    /**
     * Rows one transaction deletes, about (half as many idempotency keys). On H2 a commit holds
     * the store's writer while it writes every page it changed, and an ingest commit waits behind
     * it: 1,000 rows took 10-30 ms (docs/BENCHMARKS.md). Far more than a day's completions at the
     * rate limit go in a few of them.
     */
    public static final int ROWS_PER_TRANSACTION = 1_000;

    /** Most ingestions one transaction deletes (and ids in each of its IN lists). */
    public static final int INGESTIONS_PER_TRANSACTION = 250;

    /**
     * The least pause after each round of transactions; it is twice the round's time when that is
     * longer, so that the purge never has more than a third of the store, and backs off by itself
     * when the machine or the store is busy.
     */
    public static final Duration PAUSE = Duration.ofMillis(50);

    /** Ids read per statement while completed ingestions without a completion time are looked for. */
    private static final int STAMP_PAGE = 1_000;

    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final Retention store;
    private final Clock clock;
    private final Duration retention;
    private final Duration idempotencyTtl;
    private final int rowsPerTransaction;
    private final Duration pause;
    private final Counter purgedIngestions;
    private final Counter purgedRows;
    private final Counter purgedKeys;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Object lifecycle = new Object();
    private boolean stamped;
    private ScheduledExecutorService thread;

    /**
     * @param retention how long a completed ingestion is kept after its last batch completed; zero
     *     keeps them all
     * @param idempotencyTtl how long an idempotency key is kept after it was stored
     */
    public RetentionPurge(
            Retention store, Clock clock, Duration retention, Duration idempotencyTtl, MeterRegistry registry) {
        this(store, clock, retention, idempotencyTtl, registry, ROWS_PER_TRANSACTION, PAUSE);
    }

    /** With another transaction size and pause: for measuring them. */
    public RetentionPurge(
            Retention store,
            Clock clock,
            Duration retention,
            Duration idempotencyTtl,
            MeterRegistry registry,
            int rowsPerTransaction,
            Duration pause) {
        this.store = store;
        this.clock = clock;
        this.retention = retention;
        this.idempotencyTtl = idempotencyTtl;
        this.rowsPerTransaction = rowsPerTransaction;
        this.pause = pause;
        String description = "what retention deleted (INGEST_RETENTION, INGEST_IDEMPOTENCY_TTL)";
        purgedIngestions = Counter.builder("ingest.retention.purged")
                .tag("what", "ingestions")
                .description(description)
                .register(registry);
        purgedRows = Counter.builder("ingest.retention.purged")
                .tag("what", "rows")
                .description(description)
                .register(registry);
        purgedKeys = Counter.builder("ingest.retention.purged")
                .tag("what", "idempotency_keys")
                .description(description)
                .register(registry);
    }

    /** What one sweep deleted, in how many transactions, and how long the longest took. */
    public record Sweep(long ingestions, long rows, long keys, int transactions, Duration longest, Duration took) {

        public boolean any() {
            return rows > 0 || keys > 0;
        }
    }

    /**
     * Deletes everything due now, a transaction at a time, until nothing is left or the purge is
     * stopped. The first sweep first gives a completion time to completed ingestions that have
     * none (stored before it was recorded).
     */
    public synchronized Sweep sweep() {
        long started = System.nanoTime();
        if (!stamped && !retention.isZero()) {
            stampCompletions();
            stamped = true;
        }
        long ingestions = 0;
        long rows = 0;
        long keys = 0;
        int transactions = 0;
        long longest = 0;
        boolean more = true;
        while (more && stopping.getCount() > 0) {
            more = false;
            Instant now = clock.instant();
            long round = 0;
            long before = System.nanoTime();
            // A key costs about two rows: each is on a page of its own in the primary key, as
            // clients choose keys at random.
            int deletedKeys =
                    store.purgeIdempotencyKeysCreatedBefore(now.minus(idempotencyTtl), rowsPerTransaction / 2);
            long took = System.nanoTime() - before;
            round += took;
            if (deletedKeys > 0) {
                transactions++;
                longest = Math.max(longest, took);
                keys += deletedKeys;
                rows += deletedKeys;
                purgedKeys.increment(deletedKeys);
                purgedRows.increment(deletedKeys);
                more = true;
            }
            if (!retention.isZero()) {
                before = System.nanoTime();
                Retention.Purged purged = store.purgeCompletedBefore(
                        now.minus(retention), rowsPerTransaction, INGESTIONS_PER_TRANSACTION);
                took = System.nanoTime() - before;
                round += took;
                if (purged.any()) {
                    transactions++;
                    longest = Math.max(longest, took);
                    ingestions += purged.ingestions();
                    rows += purged.rows();
                    purgedIngestions.increment(purged.ingestions());
                    purgedRows.increment(purged.rows());
                    more = true;
                }
            }
            if (more) {
                pause(Math.max(pause.toNanos(), 2 * round));
            }
        }
        return new Sweep(
                ingestions,
                rows,
                keys,
                transactions,
                Duration.ofNanos(longest),
                Duration.ofNanos(System.nanoTime() - started));
    }

    private void stampCompletions() {
        UUID after = null;
        int total = 0;
        do {
            Retention.Stamped page = store.stampCompletions(after, STAMP_PAGE);
            total += page.ingestions();
            after = page.last();
        } while (after != null && stopping.getCount() > 0);
        if (total > 0) {
            log.info("retention: {} completed ingestion(s) without a completion time took their last batch's", total);
        }
    }

    private void pause(long nanos) {
        try {
            stopping.await(nanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void sweepAndLog() {
        try {
            Sweep sweep = sweep();
            if (sweep.any()) {
                log.info(
                        "retention: purged {} ingestion(s) completed over {} ago and {} idempotency key(s) older than {}:"
                                + " {} rows in {} transactions, {} ms (longest transaction {} ms)",
                        sweep.ingestions(),
                        human(retention),
                        sweep.keys(),
                        human(idempotencyTtl),
                        sweep.rows(),
                        sweep.transactions(),
                        sweep.took().toMillis(),
                        sweep.longest().toMillis());
            }
        } catch (RuntimeException e) {
            // The store may be unreachable for a while; the next sweep tries again.
            log.warn("retention: sweep failed, trying again in {}: {}", human(BETWEEN_SWEEPS), e.toString());
        }
    }

    @Override
    public void start() {
        synchronized (lifecycle) {
            if (thread != null) {
                return;
            }
            log.info(
                    "retention: completed ingestions kept {} after they completed, idempotency keys {}",
                    retention.isZero() ? "for ever" : human(retention),
                    human(idempotencyTtl));
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread t = new Thread(runnable, "retention");
                t.setDaemon(true);
                return t;
            });
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            executor.scheduleWithFixedDelay(
                    this::sweepAndLog, FIRST_SWEEP_AFTER.toMillis(), BETWEEN_SWEEPS.toMillis(), TimeUnit.MILLISECONDS);
            thread = executor;
        }
    }

    /**
     * Ends a running sweep after its current transaction rather than interrupting it: an interrupt
     * would close H2's file under every other connection.
     */
    @Override
    public void stop() {
        stopping.countDown();
        ScheduledExecutorService executor;
        synchronized (lifecycle) {
            executor = thread;
        }
        if (executor == null) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("retention: a purge transaction still runs after {}", STOP_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        synchronized (lifecycle) {
            return thread != null && !thread.isShutdown();
        }
    }

    /** 30d, 24h, 90m: as the settings are written. */
    static String human(Duration duration) {
        long seconds = duration.toSeconds();
        if (duration.toNanosPart() != 0 || seconds == 0) {
            return duration.toString();
        }
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + "d";
        }
        if (seconds % 3_600 == 0) {
            return seconds / 3_600 + "h";
        }
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }
}
