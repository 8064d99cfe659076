package dev.ingestion.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.NewIngestion;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.QueueStore;
import dev.ingestion.store.Retention;
import dev.ingestion.support.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * What retention deletes and what it never touches, the same on every backend. Batches are run
 * through the store's own claim and completion, so completion times are written as the service
 * writes them; records are stored directly, since what they hold does not matter here.
 */
abstract class RetentionContract {

    static final Duration RETENTION = Duration.ofDays(30);
    static final Duration TTL = Duration.ofHours(24);
    static final Duration INTERVAL = Duration.ofMillis(1);
    static final RateLimit RATE = new RateLimit(INTERVAL);
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final List<String> TABLES = List.of(
            "ingestion", "ingestion_chunk", "batch", "batch_start", "record", "idempotency_key", "ingestion_event");

    HikariDataSource dataSource;
    QueueStore store;
    QueueReads reads;
    JdbcClient jdbc;
    FakeClock clock;
    SimpleMeterRegistry registry;
    RetentionPurge purge;
    Instant lastClaim = Instant.EPOCH;

    abstract HikariDataSource newDataSource();

    @BeforeEach
    void setUp() {
        dataSource = newDataSource();
        store = new QueueStore(dataSource);
        reads = new QueueReads(dataSource);
        jdbc = JdbcClient.create(dataSource);
        clock = new FakeClock(T0);
        registry = new SimpleMeterRegistry();
        purge = purge(RETENTION, dataSource);
    }

    @AfterEach
    void tearDown() {
        dataSource.close();
    }

    RetentionPurge purge(Duration retention, HikariDataSource on) {
        return new RetentionPurge(new Retention(on), clock, retention, TTL, registry);
    }

    // ---- what goes ----------------------------------------------------------------------------

    @Test
    void aCompletedIngestionPastTheRetentionGoesWithItsIdsBatchesStartsRecordsAndIdempotencyKeys() {
        UUID small = ingest(Priority.HIGH, 3, 7, T0);
        UUID chunked = ingest(Priority.HIGH, 500, 2_100, T0); // 5 batches, ids in 3 chunk rows
        runEverything(T0.plusSeconds(60));
        key("small", small, T0);
        key("chunked", chunked, T0);
        assertThat(rowsOf(chunked)).containsEntry("ingestion_chunk", 3L).containsEntry("record", 2_100L);

        clock.set(T0.plusSeconds(60).plus(RETENTION).plusMillis(1));
        RetentionPurge.Sweep sweep = purge.sweep();

        assertThat(sweep.ingestions()).isEqualTo(2);
        assertThat(sweep.rows())
                .as("2 ingestions, 2 keys, 3 chunks, 8 batches and their starts, 2,107 records, 18 events")
                .isEqualTo(2 + 2 + 3 + 2 * (3 + 5) + 2_107 + (2 * 3 + 1) + (2 * 5 + 1));
        for (UUID id : List.of(small, chunked)) {
            assertThat(reads.findIngestion(id)).isEmpty();
            assertThat(rowsOf(id))
                    .as("rows of %s", id)
                    .containsOnlyKeys(TABLES)
                    .allSatisfy((table, rows) -> assertThat(rows).as(table).isZero());
        }
    }

    @Test
    void anIngestionIsKeptForTheRetentionAfterItsLastBatchCompletedHoweverLongAgoItWasCreated() {
        UUID id = ingest(Priority.LOW, 3, 6, T0);
        ClaimedBatch first = start(T0);
        finish(first, T0.plusSeconds(1));
        Instant completed = T0.plus(Duration.ofDays(40));
        finish(start(completed.minusSeconds(1)), completed);

        clock.set(completed.plus(RETENTION));
        assertThat(purge.sweep().ingestions())
                .as("exactly the retention after completion")
                .isZero();
        assertThat(reads.findIngestion(id)).isPresent();

        clock.set(completed.plus(RETENTION).plusMillis(1));
        assertThat(purge.sweep().ingestions()).isEqualTo(1);
        assertThat(reads.findIngestion(id)).isEmpty();
    }

    @Test
    void waitingRunningAndPartlyCompletedIngestionsAreNeverPurgedHoweverOld() {
        UUID running = ingest(Priority.HIGH, 3, 3, T0);
        UUID oneDoneOneRunning = ingest(Priority.HIGH, 3, 6, T0);
        UUID oneDoneOneWaitingForItsRetry = ingest(Priority.HIGH, 3, 6, T0);
        UUID oneDoneOneWaiting = ingest(Priority.MEDIUM, 3, 6, T0);
        UUID waiting = ingest(Priority.LOW, 3, 3, T0);
        start(T0); // running#0, left running
        finish(start(T0), T0); // oneDoneOneRunning#0
        start(T0); // oneDoneOneRunning#1, left running
        finish(start(T0), T0); // oneDoneOneWaitingForItsRetry#0
        ClaimedBatch retried = start(T0);
        store.scheduleRetry(retried.ingestionId(), retried.index(), "owner", T0.plus(Duration.ofDays(3650)), 1, T0);
        finish(start(T0), T0); // oneDoneOneWaiting#0; its #1 and `waiting` never start
        List<UUID> all = List.of(running, oneDoneOneRunning, oneDoneOneWaitingForItsRetry, oneDoneOneWaiting, waiting);
        all.forEach(id -> key(id.toString(), id, T0.plus(Duration.ofDays(3650))));
        Map<UUID, Map<String, Long>> before = new LinkedHashMap<>();
        all.forEach(id -> before.put(id, rowsOf(id)));

        clock.set(T0.plus(Duration.ofDays(3650)));
        assertThat(purge.sweep().ingestions()).isZero();

        all.forEach(id -> assertThat(rowsOf(id)).as("rows of %s", id).isEqualTo(before.get(id)));
        assertThat(reads.findIngestion(oneDoneOneWaiting).orElseThrow().completedBatches())
                .isEqualTo(1);
    }

    @Test
    void aPurgeLeavesTheQueuePositionOfEveryWaitingIngestionAsItWas() {
        ingest(Priority.HIGH, 3, 9, T0);
        ingest(Priority.MEDIUM, 3, 4, T0);
        ingest(Priority.LOW, 3, 3, T0);
        runEverything(T0); // 6 batches started and completed, in every priority's totals
        UUID low = ingest(Priority.LOW, 3, 10, T0);
        UUID high = ingest(Priority.HIGH, 3, 6, T0);
        UUID medium = ingest(Priority.MEDIUM, 3, 12, T0);
        UUID lastLow = ingest(Priority.LOW, 3, 1, T0);
        finish(start(T0), T0); // high#0
        finish(start(T0), T0); // high#1: high is complete
        finish(start(T0), T0); // medium#0
        start(T0); // medium#1, then given back to run again: counted ahead as a re-run
        store.releaseAllLeases();
        List<UUID> waiting = List.of(low, medium, lastLow);
        Instant now = T0.plus(RETENTION).plusSeconds(1);
        Map<UUID, Long> positions = new LinkedHashMap<>();
        waiting.forEach(id -> positions.put(id, ahead(id, now)));
        assertThat(positions).containsExactly(Map.entry(low, 3L), Map.entry(medium, 1L), Map.entry(lastLow, 7L));

        clock.set(now);
        assertThat(purge.sweep().ingestions()).as("the first three and high").isEqualTo(4);

        waiting.forEach(id -> assertThat(ahead(id, now)).as("ahead of %s", id).isEqualTo(positions.get(id)));
        assertThat(start(now).ingestionId()).as("the next claim").isEqualTo(medium);
    }

    @Test
    void idempotencyKeysOlderThanTheirTtlGoAndYoungerOnesStayWhateverTheirIngestion() {
        UUID waiting = ingest(Priority.LOW, 3, 3, T0);
        key("old", waiting, T0);
        key("just-old", waiting, T0.plusSeconds(3600));
        key("young", waiting, T0.plusSeconds(3601));

        clock.set(T0.plus(TTL).plusSeconds(3600).plusMillis(1));
        RetentionPurge.Sweep sweep = purge.sweep();

        assertThat(sweep.keys()).isEqualTo(2);
        assertThat(jdbc.sql("SELECT idem_key FROM idempotency_key")
                        .query(String.class)
                        .list())
                .containsExactly("young");
        assertThat(reads.findIngestion(waiting)).isPresent();
    }

    @Test
    void aRetentionOfZeroKeepsEveryCompletedIngestionWhileIdempotencyKeysStillExpire() {
        UUID id = ingest(Priority.LOW, 3, 3, T0);
        runEverything(T0);
        key("k", id, T0);
        Map<String, Long> before = rowsOf(id);

        clock.set(T0.plus(Duration.ofDays(36500)));
        RetentionPurge.Sweep sweep = purge(Duration.ZERO, dataSource).sweep();

        assertThat(sweep.ingestions()).isZero();
        assertThat(sweep.keys()).isEqualTo(1);
        before.put("idempotency_key", 0L);
        assertThat(rowsOf(id)).isEqualTo(before);
    }

    // ---- how it goes --------------------------------------------------------------------------

    @Test
    void aLargeIngestionIsHiddenByTheFirstTransactionOfItsPurgeAndGoesInSlicesOfAboutTheRowBudget() {
        UUID large = ingest(Priority.HIGH, 500, 2_100, T0);
        runEverything(T0);
        UUID small = ingest(Priority.HIGH, 3, 3, T0);
        runEverything(T0.plusSeconds(1));
        key("large", large, T0);
        Retention retention = new Retention(dataSource);
        Instant cutoff = T0.plusSeconds(2);
        List<Retention.Purged> transactions = new ArrayList<>();

        transactions.add(retention.purgeCompletedBefore(cutoff, 500, 100));
        assertThat(reads.findIngestion(large))
                .as("hidden from the first commit")
                .isEmpty();
        // children go first: the budget's first rows were its 11 events (5 starts, 5 completions, its own)
        assertThat(rowsOf(large).get("record")).isEqualTo(1_600L + 11);
        Retention.Purged purged;
        while ((purged = retention.purgeCompletedBefore(cutoff, 500, 100)).any()) {
            transactions.add(purged);
        }

        assertThat(transactions).allSatisfy(t -> assertThat(t.rows()).isLessThanOrEqualTo(500 + 2));
        assertThat(transactions).hasSize(6);
        assertThat(transactions.stream().mapToInt(Retention.Purged::ingestions).sum())
                .isEqualTo(2);
        assertThat(rowsOf(large).values()).containsOnly(0L);
        assertThat(reads.findIngestion(small)).isEmpty();
    }

    @Test
    void anIngestionCompletedBeforeCompletionTimesWereRecordedIsTimedFromItsLastBatch() {
        UUID old = ingest(Priority.HIGH, 3, 3, T0);
        UUID recent = ingest(Priority.HIGH, 3, 6, T0);
        finish(start(T0), T0); // old#0
        finish(start(T0), T0); // recent#0
        finish(start(T0), T0.plus(Duration.ofDays(10))); // recent#1
        jdbc.sql("UPDATE ingestion SET completed_at = NULL").update();

        clock.set(T0.plus(RETENTION).plus(Duration.ofDays(1)));
        assertThat(purge.sweep().ingestions()).isEqualTo(1);

        assertThat(reads.findIngestion(old)).isEmpty();
        assertThat(jdbc.sql("SELECT completed_at FROM ingestion WHERE id = :id")
                        .param("id", recent)
                        .query(OffsetDateTime.class)
                        .single()
                        .toInstant())
                .isEqualTo(T0.plus(Duration.ofDays(10)));
    }

    @Test
    void instancesPurgingAtOnceDeleteEverythingDueOnceAndNothingElse() throws Exception {
        List<UUID> due = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            due.add(ingest(Priority.MEDIUM, 3, 1 + i % 7, T0));
        }
        runEverything(T0);
        due.forEach(id -> key(id.toString(), id, clock.instant()));
        UUID waiting = ingest(Priority.LOW, 3, 3, T0);
        clock.set(T0.plus(RETENTION).plusSeconds(1));
        int instances = 3;
        List<HikariDataSource> pools = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(instances);
        try {
            CountDownLatch ready = new CountDownLatch(instances);
            List<Future<RetentionPurge.Sweep>> sweeps = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                HikariDataSource pool = samePlace(dataSource);
                pools.add(pool);
                RetentionPurge instance =
                        new RetentionPurge(new Retention(pool), clock, RETENTION, TTL, registry, 40, Duration.ZERO);
                sweeps.add(threads.submit(() -> {
                    ready.countDown();
                    ready.await();
                    return instance.sweep();
                }));
            }
            long purged = 0;
            for (Future<RetentionPurge.Sweep> sweep : sweeps) {
                purged += sweep.get().ingestions();
            }

            assertThat(purged).isEqualTo(due.size());
            assertThat(jdbc.sql("SELECT id FROM ingestion").query(UUID.class).list())
                    .containsExactly(waiting);
            for (String table : TABLES.subList(1, TABLES.size())) {
                assertThat(jdbc.sql("SELECT COUNT(*) FROM " + table + " WHERE ingestion_id <> :waiting")
                                .param("waiting", waiting)
                                .query(Long.class)
                                .single())
                        .as(table)
                        .isZero();
            }
        } finally {
            threads.shutdownNow();
            pools.forEach(HikariDataSource::close);
        }
    }

    @Test
    void whatASweepPurgesIsCounted() {
        UUID id = ingest(Priority.LOW, 3, 4, T0);
        runEverything(T0);
        key("k", id, T0);
        clock.set(T0.plus(RETENTION).plusSeconds(1));

        RetentionPurge.Sweep sweep = purge.sweep();

        assertThat(count("ingestions")).isEqualTo(1);
        assertThat(count("idempotency_keys")).isEqualTo(1);
        assertThat(count("rows")).isEqualTo(sweep.rows()).isEqualTo(1 + 2 + 2 + 4 + 1 + (2 * 2 + 1));
    }

    @Test
    void aStoppedPurgeDeletesNothingMore() {
        UUID id = ingest(Priority.LOW, 3, 3, T0);
        runEverything(T0);
        clock.set(T0.plus(RETENTION).plusSeconds(1));

        purge.stop();

        assertThat(purge.sweep().any()).isFalse();
        assertThat(reads.findIngestion(id)).isPresent();
    }

    // ---- helpers ------------------------------------------------------------------------------

    UUID ingest(Priority priority, int batchSize, int ids, Instant createdAt) {
        UUID id = UUID.randomUUID();
        store.insertIngestion(new NewIngestion(
                id, priority, batchSize, IntStream.rangeClosed(1, ids).toArray(), createdAt));
        return id;
    }

    /** Claims the next batch, at {@code at} or just after the previous claim. */
    ClaimedBatch start(Instant at) {
        Instant when = at.isAfter(lastClaim.plus(INTERVAL)) ? at : lastClaim.plus(INTERVAL);
        lastClaim = when;
        Claim claim = store.claim(() -> when, RATE, "owner", LEASE);
        assertThat(claim).isInstanceOf(Claim.Started.class);
        return ((Claim.Started) claim).batch();
    }

    /** Stores a record for every pending id of {@code batch} and completes it at {@code at}. */
    void finish(ClaimedBatch batch, Instant at) {
        for (ClaimedBatch.Item item : batch.pending()) {
            jdbc.sql("""
                            INSERT INTO record (ingestion_id, position, state, data, fetched_at)
                            VALUES (:id, :position, 'fetched', '{}', :at)
                            """)
                    .param("id", batch.ingestionId())
                    .param("position", item.position())
                    .param("at", ts(at))
                    .update();
        }
        assertThat(store.completeIfAllStored(batch.ingestionId(), batch.index(), at))
                .isTrue();
    }

    /** Runs every waiting batch to completion, completing each at {@code at}. */
    void runEverything(Instant at) {
        while (store.claim(() -> lastClaim.plus(INTERVAL), RATE, "owner", LEASE) instanceof Claim.Started started) {
            lastClaim = lastClaim.plus(INTERVAL);
            finish(started.batch(), at);
        }
    }

    void key(String key, UUID ingestion, Instant createdAt) {
        jdbc.sql("""
                        INSERT INTO idempotency_key (scope, idem_key, fingerprint, ingestion_id, status, created_at)
                        VALUES ('', :key, 'fingerprint', :ingestion, 200, :at)
                        """)
                .param("key", key)
                .param("ingestion", ingestion)
                .param("at", ts(createdAt))
                .update();
    }

    long ahead(UUID id, Instant now) {
        IngestionRow row = reads.findIngestion(id).orElseThrow();
        return reads.batchesAhead(row, now);
    }

    Map<String, Long> rowsOf(UUID id) {
        Map<String, Long> rows = new LinkedHashMap<>();
        for (String table : TABLES) {
            String column = table.equals("ingestion") ? "id" : "ingestion_id";
            rows.put(
                    table,
                    jdbc.sql("SELECT COUNT(*) FROM " + table + " WHERE " + column + " = :id")
                            .param("id", id)
                            .query(Long.class)
                            .single());
        }
        return rows;
    }

    double count(String what) {
        return registry.get("ingest.retention.purged")
                .tag("what", what)
                .counter()
                .count();
    }

    /** Another pool on the same database, as another instance has. */
    static HikariDataSource samePlace(HikariDataSource dataSource) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(dataSource.getJdbcUrl());
        config.setUsername(dataSource.getUsername());
        config.setPassword(dataSource.getPassword());
        config.setMaximumPoolSize(2);
        return new HikariDataSource(config);
    }

    static OffsetDateTime ts(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
