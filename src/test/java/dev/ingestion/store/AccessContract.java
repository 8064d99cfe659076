package dev.ingestion.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;

/** Owners, quotas and idempotency keys in the ingest transaction, the same on every backend. */
abstract class AccessContract {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final RateLimit RATE = new RateLimit(Duration.ofSeconds(5));

    HikariDataSource dataSource;
    QueueStore store;
    QueueReads reads;

    abstract HikariDataSource newDataSource();

    @BeforeEach
    void setUp() {
        dataSource = newDataSource();
        store = new QueueStore(dataSource);
        reads = new QueueReads(dataSource);
    }

    @AfterEach
    void tearDown() {
        dataSource.close();
    }

    static NewIngestion ingestion(String owner, int ids, IdempotencyKey key) {
        return ingestion(owner, ids, key, Priority.MEDIUM);
    }

    static NewIngestion ingestion(String owner, int ids, IdempotencyKey key, Priority priority) {
        int[] values = new int[ids];
        java.util.Arrays.setAll(values, i -> i + 1);
        return new NewIngestion(UUID.randomUUID(), priority, 3, values, T0, owner, key);
    }

    static IdempotencyKey key(String scope, String key, String fingerprint) {
        return new IdempotencyKey(scope, key, fingerprint, 201);
    }

    Admission insert(NewIngestion ingestion, long cap) {
        return store.insertIngestions(List.of(ingestion), cap).get(0);
    }

    long ingestionCount() {
        return JdbcClient.create(dataSource)
                .sql("SELECT COUNT(*) FROM ingestion")
                .query(Long.class)
                .single();
    }

    long waitingIds(String owner) {
        return JdbcClient.create(dataSource)
                .sql("SELECT waiting_ids FROM key_tally WHERE owner = :owner")
                .param("owner", owner)
                .query(Long.class)
                .single();
    }

    @Test
    void anIngestionIsReadBackWithTheKeyThatCreatedItAndNoneWhenKeysWereOff() {
        NewIngestion owned = ingestion("alpha", 2, null);
        NewIngestion open = ingestion(null, 2, null);
        store.insertIngestions(List.of(owned, open));

        assertThat(reads.findIngestion(owned.id()).orElseThrow().owner()).isEqualTo("alpha");
        assertThat(reads.findIngestion(open.id()).orElseThrow().owner()).isNull();
    }

    @Test
    void aRequestWithAStoredKeyIsAnsweredAsTheFirstWasAndStoresNothing() {
        NewIngestion first = ingestion("alpha", 3, key("alpha", "k-1", "print-1"));
        assertThat(insert(first, 0)).isEqualTo(Admission.STORED);

        Admission again = insert(ingestion("alpha", 5, key("alpha", "k-1", "print-2")), 0);

        assertThat(again).isEqualTo(new Admission.Replayed(first.id(), 201, "print-1"));
        assertThat(ingestionCount()).isEqualTo(1);
        assertThat(waitingIds("alpha")).isEqualTo(3);
    }

    @Test
    void theSameKeyOfAnotherScopeIsAnotherKey() {
        assertThat(insert(ingestion("alpha", 1, key("alpha", "shared", "p")), 0))
                .isEqualTo(Admission.STORED);
        assertThat(insert(ingestion("beta", 1, key("beta", "shared", "p")), 0)).isEqualTo(Admission.STORED);
        assertThat(ingestionCount()).isEqualTo(2);
    }

    @Test
    void commitsRacingWithOneKeyStoreOneIngestionAndAnswerTheOthersAsIt() throws Exception {
        // Stores of their own: as many instances would, each commit on its own connection.
        List<QueueStore> instances = List.of(store, new QueueStore(dataSource), new QueueStore(dataSource));
        for (int round = 0; round < 10; round++) {
            String idempotencyKey = "race-" + round;
            CyclicBarrier together = new CyclicBarrier(6);
            List<Callable<NewIngestionAndAdmission>> commits = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                QueueStore instance = instances.get(i % instances.size());
                // of every priority, so that the queue's totals, locked by priority, do not line them up
                Priority priority = Priority.values()[i % 3];
                commits.add(() -> {
                    NewIngestion mine = ingestion("alpha", 2, key("alpha", idempotencyKey, "p"), priority);
                    together.await();
                    return new NewIngestionAndAdmission(
                            mine, instance.insertIngestions(List.of(mine)).get(0));
                });
            }
            List<NewIngestionAndAdmission> results = runAll(commits);

            List<NewIngestionAndAdmission> stored = results.stream()
                    .filter(r -> r.admission() == Admission.STORED)
                    .toList();
            assertThat(stored).as("round %d: %s", round, results).hasSize(1);
            UUID winner = stored.get(0).ingestion().id();
            assertThat(results)
                    .filteredOn(r -> r.admission() != Admission.STORED)
                    .extracting(NewIngestionAndAdmission::admission)
                    .containsOnly(new Admission.Replayed(winner, 201, "p"));
        }
        assertThat(ingestionCount()).isEqualTo(10);
        assertThat(waitingIds("alpha")).isEqualTo(20);
    }

    record NewIngestionAndAdmission(NewIngestion ingestion, Admission admission) {}

    @Test
    void aRequestThatWouldPassItsKeysCapIsRefusedAndOtherKeysAreNotHeldBackByIt() {
        assertThat(insert(ingestion("alpha", 6, null), 10)).isEqualTo(Admission.STORED);

        assertThat(insert(ingestion("alpha", 5, null), 10)).isEqualTo(new Admission.OverQuota(6));
        assertThat(insert(ingestion("beta", 10, null), 10)).isEqualTo(Admission.STORED);
        assertThat(insert(ingestion("alpha", 4, null), 10)).isEqualTo(Admission.STORED);

        assertThat(ingestionCount()).isEqualTo(3);
        assertThat(waitingIds("alpha")).isEqualTo(10);
        assertThat(waitingIds("beta")).isEqualTo(10);
    }

    @Test
    void aRequestRefusedForItsCapKeepsNoKeySoItsRetryIsANewRequest() {
        assertThat(insert(ingestion("alpha", 6, null), 10)).isEqualTo(Admission.STORED);
        NewIngestion refused = ingestion("alpha", 5, key("alpha", "k-cap", "p"));
        NewIngestion admitted = ingestion("alpha", 4, key("alpha", "k-fits", "p"));

        // in one commit, as a group commit would take them
        assertThat(store.insertIngestions(List.of(refused, admitted), 10))
                .containsExactly(new Admission.OverQuota(6), Admission.STORED);
        assertThat(reads.storedKey("alpha", "k-cap")).isEmpty();
        assertThat(reads.storedKey("alpha", "k-fits")).contains(new Admission.Replayed(admitted.id(), 201, "p"));

        NewIngestion retry = ingestion("alpha", 5, key("alpha", "k-cap", "p"));
        assertThat(insert(retry, 20)).isEqualTo(Admission.STORED);
        assertThat(reads.storedKey("alpha", "k-cap")).contains(new Admission.Replayed(retry.id(), 201, "p"));
    }

    @Test
    void aGroupMixingStoredAndNewKeysReplaysTheOneAndStoresTheOther() {
        NewIngestion first = ingestion("alpha", 2, key("alpha", "k-old", "p"));
        assertThat(insert(first, 0)).isEqualTo(Admission.STORED);
        NewIngestion fresh = ingestion("alpha", 3, key("alpha", "k-new", "p"));

        assertThat(store.insertIngestions(
                        List.of(ingestion("alpha", 2, key("alpha", "k-old", "p")), fresh, ingestion("alpha", 1, null))))
                .containsExactly(new Admission.Replayed(first.id(), 201, "p"), Admission.STORED, Admission.STORED);
        assertThat(ingestionCount()).isEqualTo(3);
        assertThat(waitingIds("alpha")).isEqualTo(6);
    }

    @Test
    void idsStopCountingAgainstTheCapWhenTheirBatchCompletes() {
        NewIngestion first = ingestion("alpha", 10, null);
        assertThat(insert(first, 10)).isEqualTo(Admission.STORED);
        assertThat(insert(ingestion("alpha", 3, null), 10)).isEqualTo(new Admission.OverQuota(10));

        Claim claim = store.claim(() -> T0, RATE, "owner", Duration.ofSeconds(30));
        ClaimedBatch batch = ((Claim.Started) claim).batch();
        for (int position = 0; position < 3; position++) {
            store.saveRecord(first.id(), batch.index(), position, "{}", T0);
        }

        assertThat(waitingIds("alpha")).isEqualTo(7);
        assertThat(insert(ingestion("alpha", 3, null), 10)).isEqualTo(Admission.STORED);
    }

    @Test
    void concurrentRequestsOfOneKeyNeverTogetherPassItsCap() throws Exception {
        List<QueueStore> instances = List.of(store, new QueueStore(dataSource));
        CyclicBarrier together = new CyclicBarrier(8);
        List<Callable<NewIngestionAndAdmission>> commits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            QueueStore instance = instances.get(i % 2);
            commits.add(() -> {
                NewIngestion mine = ingestion("alpha", 3, null);
                together.await();
                return new NewIngestionAndAdmission(
                        mine, instance.insertIngestions(List.of(mine), 12).get(0));
            });
        }

        List<NewIngestionAndAdmission> results = runAll(commits);

        assertThat(results).filteredOn(r -> r.admission() == Admission.STORED).hasSize(4);
        assertThat(ingestionCount()).isEqualTo(4);
        assertThat(waitingIds("alpha")).isEqualTo(12);
    }

    @Test
    void registeringOwnersTwiceKeepsTheirTallies() {
        store.registerOwners(List.of("alpha", "beta"));
        insert(ingestion("alpha", 4, null), 0);
        store.registerOwners(List.of("alpha", "beta"));

        assertThat(waitingIds("alpha")).isEqualTo(4);
        assertThat(waitingIds("beta")).isZero();
        assertThat(waitingIds("")).isZero();
    }

    private static <T> List<T> runAll(List<Callable<T>> tasks) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(tasks.size());
        try {
            List<T> results = new ArrayList<>();
            for (Future<T> future : threads.invokeAll(tasks)) {
                results.add(future.get());
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }
}
