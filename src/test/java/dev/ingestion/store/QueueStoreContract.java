package dev.ingestion.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.RecordState;

/** The repository's behaviour, the same on every backend. */
abstract class QueueStoreContract {

    static final Duration INTERVAL = Duration.ofSeconds(5);
    static final RateLimit RATE = new RateLimit(INTERVAL);
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Priority HIGH = Priority.HIGH;
    static final Priority MEDIUM = Priority.MEDIUM;
    static final Priority LOW = Priority.LOW;

    HikariDataSource dataSource;
    QueueStore store;
    QueueReads reads;
    SettingsStore settings;

    abstract HikariDataSource newDataSource();

    @BeforeEach
    void setUp() {
        dataSource = newDataSource();
        store = new QueueStore(dataSource);
        reads = new QueueReads(dataSource);
        settings = new SettingsStore(dataSource);
    }

    @AfterEach
    void tearDown() {
        dataSource.close();
    }

    UUID insert(Priority priority, int... ids) {
        UUID id = UUID.randomUUID();
        store.insertIngestion(new NewIngestion(id, priority, 3, ids, T0));
        return id;
    }

    ClaimedBatch claimAt(Instant now) {
        Claim claim = store.claim(() -> now, RATE, "owner", LEASE);
        assertThat(claim).isInstanceOf(Claim.Started.class);
        return ((Claim.Started) claim).batch();
    }

    @Test
    void anIngestionIsStoredWithItsIdsInRequestOrderAcrossSeveralChunks() {
        int[] ids = IntStream.range(0, 2500).map(i -> 1_000_000_007 - i).toArray();
        UUID id = insert(LOW, ids);

        IngestionRow row = reads.findIngestion(id).orElseThrow();
        assertThat(row.idCount()).isEqualTo(2500);
        assertThat(row.batchCount()).isEqualTo(834);
        assertThat(row.priority()).isEqualTo(LOW);
        assertThat(row.createdAt()).isEqualTo(T0);
        assertThat(chunkRows(id)).isEqualTo(3);
        assertThat(idsOf(row))
                .containsExactlyElementsOf(IntStream.of(ids).boxed().toList());
    }

    @Test
    void aSmallIngestionKeepsItsIdsInItsOwnRowAndIsClaimedFromThere() {
        UUID id = insert(LOW, 7, 8, 9, 10);

        assertThat(chunkRows(id)).isZero();
        assertThat(idsOf(reads.findIngestion(id).orElseThrow())).containsExactly(7, 8, 9, 10);
        assertThat(claimAt(T0).pending())
                .containsExactly(new ClaimedBatch.Item(0, 7), new ClaimedBatch.Item(1, 8), new ClaimedBatch.Item(2, 9));
    }

    @Test
    void anIngestionStoredBeforeIdsWereKeptInlineIsReadAndClaimedFromItsChunk() {
        UUID id = UUID.randomUUID();
        JdbcClient jdbc = JdbcClient.create(dataSource);
        jdbc.sql("""
                INSERT INTO ingestion (id, priority, batch_size, chunk_size, id_count, batch_count, waiting, created_at,
                                       enqueued_before)
                VALUES (:id, 2, 3, 1023, 4, 2, TRUE, :createdAt, 0)
                """).param("id", id).param("createdAt", Sql.ts(T0)).update();
        jdbc.sql("INSERT INTO ingestion_chunk (ingestion_id, chunk_no, ids) VALUES (:id, 0, :ids)")
                .param("id", id)
                .param("ids", IdCodec.encode(new int[] {7, 8, 9, 10}, 0, 4))
                .update();

        assertThat(idsOf(reads.findIngestion(id).orElseThrow())).containsExactly(7, 8, 9, 10);
        claimAt(T0);
        assertThat(claimAt(T0.plus(INTERVAL)).pending()).containsExactly(new ClaimedBatch.Item(3, 10));
    }

    private List<Integer> idsOf(IngestionRow row) {
        List<Integer> read = new ArrayList<>();
        reads.forEachBatch(
                row, (index, ids, from, to) -> IntStream.range(from, to).forEach(i -> read.add(ids[i])));
        return read;
    }

    private int chunkRows(UUID id) {
        return JdbcClient.create(dataSource)
                .sql("SELECT COUNT(*) FROM ingestion_chunk WHERE ingestion_id = :id")
                .param("id", id)
                .query(Integer.class)
                .single();
    }

    @Test
    void aPageOfRecordsComesInRequestOrderAcrossReadWindowsAndChunksWithEachStoredRecordAtItsPosition() {
        int[] ids = IntStream.range(0, 2500).map(i -> 5000 + i).toArray();
        UUID id = insert(LOW, ids);
        List<Integer> stored = List.of(10, 15, 16, 31, 32, 1022, 1023, 1040, 1049);
        JdbcClient jdbc = JdbcClient.create(dataSource);
        for (int position : stored) {
            jdbc.sql("""
                            INSERT INTO record (ingestion_id, position, state, data, fetched_at)
                            VALUES (:id, :position, 'fetched', :data, :at)
                            """)
                    .param("id", id)
                    .param("position", position)
                    .param("data", "{\"p\":" + position + "}")
                    .param("at", Sql.ts(T0))
                    .update();
        }
        List<Integer> positions = new ArrayList<>();
        List<Integer> withRecords = new ArrayList<>();

        reads.forEachRecord(reads.findIngestion(id).orElseThrow(), 10, 1050, (position, requested, record) -> {
            positions.add(position);
            assertThat(requested).isEqualTo(5000 + position);
            if (record != null) {
                assertThat(record.data()).isEqualTo("{\"p\":" + position + "}");
                withRecords.add(position);
            }
        });

        assertThat(positions)
                .containsExactlyElementsOf(IntStream.range(10, 1050).boxed().toList());
        assertThat(withRecords).containsExactlyElementsOf(stored);
    }

    @Test
    void aBatchWaitingForItsRetryCountsAsOneStartAheadOfTheBatchesBehindIt() {
        UUID first = insert(HIGH, 1, 2, 3);
        claimAt(T0);
        store.scheduleRetry(first, 0, "owner", T0.plusSeconds(60), 1, T0);
        UUID second = insert(HIGH, 4);

        assertThat(reads.batchesAhead(reads.findIngestion(second).orElseThrow(), T0.plusSeconds(5)))
                .isEqualTo(1);
    }

    @Test
    void anUnknownIngestionIsNotFound() {
        assertThat(reads.findIngestion(UUID.randomUUID())).isEmpty();
    }

    @Test
    void ingestionsTakeIncreasingSequenceNumbersInCreationOrder() {
        long first = reads.findIngestion(insert(LOW, 1)).orElseThrow().seq();
        long second = reads.findIngestion(insert(HIGH, 1)).orElseThrow().seq();
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void ingestionsTakeIncreasingSequenceNumbersWhicheverConnectionStoresThem() throws SQLException {
        // Like instances sharing a database: a sequence that reserves numbers per session would
        // give the third ingestion a smaller number than the second.
        try (Connection a = dataSource.getConnection();
                Connection b = dataSource.getConnection()) {
            QueueStore onA = new QueueStore(new SingleConnectionDataSource(a, true));
            QueueStore onB = new QueueStore(new SingleConnectionDataSource(b, true));
            List<Long> seqs = new ArrayList<>();
            for (QueueStore via : List.of(onA, onB, onA, onB)) {
                UUID id = UUID.randomUUID();
                via.insertIngestion(new NewIngestion(id, LOW, 3, new int[] {1}, T0));
                seqs.add(reads.findIngestion(id).orElseThrow().seq());
            }
            assertThat(seqs).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void aClaimTakesTheFirstBatchByPriorityThenSequenceThenIndex() {
        UUID low = insert(LOW, 1, 2, 3);
        UUID medium = insert(MEDIUM, 4, 5, 6, 7);
        UUID high = insert(HIGH, 8);
        List<String> order = new ArrayList<>();
        for (int slot = 0; slot < 4; slot++) {
            ClaimedBatch batch = claimAt(T0.plus(INTERVAL.multipliedBy(slot)));
            order.add((batch.ingestionId().equals(low)
                            ? "low"
                            : batch.ingestionId().equals(medium) ? "medium" : "high") + "#" + batch.index());
        }
        assertThat(order).containsExactly("high#0", "medium#0", "medium#1", "low#0");
        assertThat(store.claim(() -> T0.plus(INTERVAL.multipliedBy(4)), RATE, "owner", LEASE))
                .isEqualTo(new Claim.Idle());
    }

    @Test
    void aClaimBeforePreviousStartPlusIntervalIsRefusedWithTheSlotTime() {
        insert(MEDIUM, 1, 2, 3, 4);
        claimAt(T0);
        assertThat(store.claim(() -> T0.plusMillis(4_999), RATE, "owner", LEASE))
                .isEqualTo(new Claim.NotBefore(T0.plusSeconds(5), T0.plusMillis(4_999)));
        assertThat(reads.lastStart()).isEqualTo(T0);
        assertThat(claimAt(T0.plusSeconds(5)).pending())
                .extracting(ClaimedBatch.Item::id)
                .containsExactly(4);
        assertThat(reads.lastStart()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    void concurrentClaimsForTheSameSlotStartExactlyOneBatch() throws Exception {
        IntStream.range(0, 8).forEach(i -> insert(MEDIUM, i + 1));
        int threads = 8;
        CountDownLatch ready = new CountDownLatch(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Claim>> claims = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                String owner = "owner-" + i;
                Callable<Claim> claim = () -> {
                    ready.countDown();
                    ready.await();
                    return store.claim(() -> T0, RATE, owner, LEASE);
                };
                claims.add(pool.submit(claim));
            }
            List<Claim> results = new ArrayList<>();
            for (Future<Claim> claim : claims) {
                results.add(claim.get());
            }
            assertThat(results).filteredOn(Claim.Started.class::isInstance).hasSize(1);
            assertThat(results).filteredOn(Claim.NotBefore.class::isInstance).hasSize(threads - 1);
            assertThat(reads.starts()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theLastRecordOfABatchCompletesItAndADuplicateWriteChangesNothing() {
        UUID id = insert(MEDIUM, 5, 5, 6);
        claimAt(T0);
        assertThat(store.saveRecord(id, 0, 0, "{\"id\":5}", T0.plusSeconds(1))).isFalse();
        assertThat(store.saveRecord(id, 0, 0, "{\"id\":5,\"again\":true}", T0.plusSeconds(1)))
                .isFalse();
        assertThat(store.saveRecord(id, 0, 1, "{\"id\":5}", T0.plusSeconds(1))).isFalse();
        assertThat(store.saveRecord(id, 0, 2, "{\"id\":6}", T0.plusSeconds(2))).isTrue();

        Map<Integer, StoredRecord> records = reads.records(id, 0, 3);
        assertThat(records).hasSize(3);
        assertThat(records.get(0).data()).isEqualTo("{\"id\":5}");
        assertThat(records.get(2).state()).isEqualTo(RecordState.FETCHED);
        assertThat(records.get(2).fetchedAt()).isEqualTo(T0.plusSeconds(2));
        BatchRow batch = reads.startedBatches(id).get(0);
        assertThat(batch.completed()).isTrue();
        assertThat(batch.completedAt()).isEqualTo(T0.plusSeconds(2));
        assertThat(reads.findIngestion(id).orElseThrow().completedBatches()).isEqualTo(1);
    }

    @Test
    void aRerunClaimOffersOnlyThePositionsWithNoRecord() {
        UUID id = insert(MEDIUM, 7, 8, 9);
        claimAt(T0);
        store.saveRecord(id, 0, 1, "{\"id\":8}", T0.plusSeconds(1));
        assertThat(store.releaseAllLeases()).isEqualTo(1);

        ClaimedBatch rerun = claimAt(T0.plusSeconds(5));
        assertThat(rerun.attempt()).isEqualTo(2);
        assertThat(rerun.pending()).containsExactly(new ClaimedBatch.Item(0, 7), new ClaimedBatch.Item(2, 9));
    }

    @Test
    void aBatchWithALiveLeaseIsNotTakenAndAnExpiredOneIs() {
        insert(MEDIUM, 1);
        store.claim(() -> T0, RATE, "a", LEASE);
        assertThat(store.claim(() -> T0.plusSeconds(29), RATE, "b", LEASE)).isEqualTo(new Claim.Idle());
        Claim takeover = store.claim(() -> T0.plusSeconds(31), RATE, "b", LEASE);
        assertThat(takeover).isInstanceOf(Claim.Started.class);
        assertThat(store.renewLease(((Claim.Started) takeover).batch().ingestionId(), 0, "a", T0.plusSeconds(90)))
                .as("the old owner cannot take its lease back")
                .isFalse();
    }

    @Test
    void batchesAheadCountsWaitingBatchesOfEarlierOrHigherIngestions() {
        UUID high = insert(HIGH, 1, 2, 3, 4); // 2 batches
        UUID mediumFirst = insert(MEDIUM, 1, 2, 3); // 1 batch
        UUID mediumSecond = insert(MEDIUM, 1, 2, 3, 4, 5, 6, 7); // 3 batches
        UUID low = insert(LOW, 1);

        assertThat(ahead(high)).isZero();
        assertThat(ahead(mediumFirst)).isEqualTo(2);
        assertThat(ahead(mediumSecond)).isEqualTo(3);
        assertThat(ahead(low)).isEqualTo(6);

        claimAt(T0); // high#0 starts
        assertThat(ahead(low)).isEqualTo(5);
        store.releaseAllLeases(); // high#0 now waits for a re-run: still ahead of everything
        assertThat(ahead(mediumFirst)).isEqualTo(2);
        assertThat(ahead(high)).as("its own batch waiting for a re-run").isEqualTo(1);
    }

    @Test
    void theTalliedQueuePositionEqualsACountOverEveryWaitingIngestionAheadWhetherStoredAloneOrTogether() {
        java.util.Random random = new java.util.Random(7);
        List<UUID> all = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            List<NewIngestion> group = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                group.add(new NewIngestion(
                        UUID.randomUUID(),
                        Priority.values()[random.nextInt(3)],
                        3,
                        IntStream.rangeClosed(1, 1 + random.nextInt(9)).toArray(),
                        T0));
            }
            if (round % 2 == 0) {
                store.insertIngestions(group); // one commit of mixed priorities, as the group commit makes
            } else {
                group.forEach(store::insertIngestion);
            }
            group.forEach(ingestion -> all.add(ingestion.id()));
            for (int i = 0; i < 4; i++) {
                claimAt(T0.plus(INTERVAL.multipliedBy(round * 4L + i)));
            }
        }
        JdbcClient jdbc = JdbcClient.create(dataSource);
        for (UUID id : all) {
            IngestionRow row = reads.findIngestion(id).orElseThrow();
            if (row.nextBatch() == row.batchCount()) {
                continue;
            }
            long counted = jdbc.sql("""
                    SELECT COALESCE(SUM(batch_count - next_batch), 0) FROM ingestion
                    WHERE waiting = TRUE AND (priority < :priority OR (priority = :priority AND seq < :seq))
                    """)
                    .param("priority", row.priority().ordinal())
                    .param("seq", row.seq())
                    .query(Long.class)
                    .single();
            assertThat(reads.batchesAhead(row, T0)).as("ahead of %s", row).isEqualTo(counted);
        }
    }

    private long ahead(UUID id) {
        return reads.batchesAhead(reads.findIngestion(id).orElseThrow(), T0.plusSeconds(1));
    }

    @Test
    void theFirstInstanceRecordsTheDeploymentSettingsAndLaterOnesOnlyReadThem() {
        Map<String, String> first = Map.of("interval", "PT5S", "batch_size", "3");
        assertThat(settings.establish(first, false)).isEmpty();
        assertThat(settings.establish(Map.of("interval", "PT1S", "batch_size", "3"), false))
                .isEqualTo(first);
        assertThat(settings.deploymentSettings()).isEqualTo(first);
        assertThat(settings.establish(Map.of("interval", "PT1S", "batch_size", "3"), true))
                .isEqualTo(first);
        assertThat(settings.deploymentSettings()).containsEntry("interval", "PT1S");
    }

    @Test
    void instancesStartingTogetherOnAnEmptyStoreAgreeOnOneSetOfSettings() throws Exception {
        int instances = 6;
        CountDownLatch ready = new CountDownLatch(instances);
        ExecutorService pool = Executors.newFixedThreadPool(instances);
        try {
            List<Future<Map<String, String>>> answers = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                Map<String, String> mine = Map.of("interval", "PT" + (i + 1) + "S", "batch_size", "3");
                answers.add(pool.submit(() -> {
                    ready.countDown();
                    ready.await();
                    return settings.establish(mine, false);
                }));
            }
            List<Map<String, String>> before = new ArrayList<>();
            for (Future<Map<String, String>> answer : answers) {
                before.add(answer.get());
            }
            assertThat(before)
                    .filteredOn(Map::isEmpty)
                    .as("exactly one instance recorded its values")
                    .hasSize(1);
            assertThat(before)
                    .filteredOn(map -> !map.isEmpty())
                    .allSatisfy(map -> assertThat(map).isEqualTo(settings.deploymentSettings()));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void readsGiveTheirConnectionsBack() {
        UUID id = insert(MEDIUM, 1, 2, 3);
        for (int i = 0; i < dataSource.getMaximumPoolSize() * 3; i++) {
            assertThat(reads.records(id, 0, 3)).isEmpty();
            assertThat(settings.deploymentSettings()).isEmpty();
        }
    }
}
