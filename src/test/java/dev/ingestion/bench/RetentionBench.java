package dev.ingestion.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.fasterxml.uuid.impl.TimeBasedEpochRandomGenerator;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.retention.RetentionPurge;
import dev.ingestion.store.NewIngestion;
import dev.ingestion.store.QueueStore;
import dev.ingestion.store.Retention;
import dev.ingestion.support.TestStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Benchmark of retention (issue 13, point 8): a sweep of {@link RetentionPurge}, as the service
 * runs it, deleting about a million rows, on an H2 file database and on PostgreSQL, while ingests
 * and claims run beside it. Not a test: a main run with the test classpath (docs/BENCHMARKS.md
 * has the command).
 *
 * <p>Two shapes of a million rows, each behind 200,000 waiting ingestions (whose null completion
 * times the purge must pass over): {@code small}, 142,858 completed ingestions of 3 ids with an
 * idempotency key each (7 rows apiece: the ingestion, its batch, its start, 3 records and the
 * key); {@code large}, one completed ingestion of 600,000 ids (600,000 records, 200,000 batches
 * and as many starts, 586 chunk rows, its own row). The completed work is written with SQL (it
 * would take the rate limit months to run), as the service leaves it.
 *
 * <p>Load: one thread stores a 5-id ingestion every 5 ms through {@link QueueStore#insertIngestion}
 * (one commit each, like a lone request's group commit) and another claims a batch every 100 ms;
 * each is timed for 20 s before the purge (the baseline) and for as long as the purge runs.
 * Each purge transaction is timed too.
 *
 * <p>Arguments: {@code --h2 <folder>}, {@code --pg} (an embedded PostgreSQL 17 with
 * {@code synchronous_commit=on}, as a real server commits), {@code --shapes small,large},
 * {@code --rows N} and {@code --pause <ms>} (the purge's transaction size and pause; defaults:
 * the service's). Prints one {@code RETENTIONBENCH} line per run on stdout, progress on stderr.
 */
public final class RetentionBench {

    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static final Instant LONG_AGO = NOW.minus(Duration.ofDays(40));
    private static final Duration BASELINE = Duration.ofSeconds(20);
    private static final int WAITING = 200_000;
    private static final RateLimit RATE = new RateLimit(Duration.ofMillis(1));

    private final String storeName;
    private final HikariDataSource dataSource;
    private final QueueStore store;
    private final JdbcClient jdbc;
    private final TimeBasedEpochRandomGenerator ids = new TimeBasedEpochRandomGenerator(null);

    private RetentionBench(String storeName, HikariDataSource dataSource) {
        this.storeName = storeName;
        this.dataSource = dataSource;
        this.store = new QueueStore(dataSource);
        this.jdbc = JdbcClient.create(dataSource);
    }

    public static void main(String[] args) throws Exception {
        Path h2 = null;
        boolean pg = false;
        List<String> shapes = List.of("small", "large");
        int rows = RetentionPurge.ROWS_PER_TRANSACTION;
        Duration pause = RetentionPurge.PAUSE;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--h2" -> h2 = Path.of(args[++i]);
                case "--pg" -> pg = true;
                case "--shapes" -> shapes = Arrays.asList(args[++i].split(","));
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--pause" -> pause = Duration.ofMillis(Long.parseLong(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        EmbeddedPostgres server = null;
        if (pg) {
            server = EmbeddedPostgres.builder()
                    .setServerConfig("synchronous_commit", "on")
                    .start();
        }
        try {
            for (String shape : shapes) {
                if (h2 != null) {
                    Files.createDirectories(h2);
                    try (HikariDataSource ds = TestStores.h2(Files.createTempDirectory(h2, shape))) {
                        new RetentionBench("h2", ds).run(shape, rows, pause);
                    }
                }
                if (server != null) {
                    try (HikariDataSource ds = freshPostgres(server, "retention_" + shape)) {
                        new RetentionBench("postgres", ds).run(shape, rows, pause);
                    }
                }
            }
        } finally {
            if (server != null) {
                server.close();
            }
        }
        System.exit(0);
    }

    private static HikariDataSource freshPostgres(EmbeddedPostgres server, String name) throws SQLException {
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(server.getJdbcUrl("postgres", name));
        config.setUsername("postgres");
        config.setPassword("postgres");
        config.setMaximumPoolSize(8);
        HikariDataSource ds = new HikariDataSource(config);
        TestStores.migrate(ds);
        return ds;
    }

    private void run(String shape, int rows, Duration pause) throws Exception {
        long t0 = System.nanoTime();
        long expected = shape.equals("small") ? fillSmall(142_858) : fillLarge(600_000);
        fillWaiting(WAITING);
        analyze();
        progress(
                "%s %s: %,d rows to purge, %,d ingestions waiting, filled in %.0f s",
                storeName, shape, expected, WAITING, seconds(System.nanoTime() - t0));

        Load baseline = load(() -> sleep(BASELINE));
        progress("%s %s: baseline %s", storeName, shape, baseline);

        TimedRetention retention = new TimedRetention(dataSource);
        RetentionPurge purge = new RetentionPurge(
                retention,
                Clock.fixed(NOW, ZoneOffset.UTC),
                Duration.ofDays(30),
                Duration.ofHours(24),
                new SimpleMeterRegistry(),
                rows,
                pause);
        RetentionPurge.Sweep[] sweep = new RetentionPurge.Sweep[1];
        Load during = load(() -> sweep[0] = purge.sweep());
        long left = jdbc.sql("SELECT COUNT(*) FROM ingestion WHERE completed_at IS NOT NULL")
                .query(Long.class)
                .single();
        long waitingLeft =
                jdbc.sql("SELECT COUNT(*) FROM ingestion").query(Long.class).single();
        double[] tx = retention.millis();
        String line = String.format(
                Locale.ROOT,
                "{\"store\":\"%s\",\"shape\":\"%s\",\"rows\":%d,\"ingestions\":%d,\"keys\":%d,\"seconds\":%.1f,"
                        + "\"rows_per_s\":%.0f,\"transactions\":%d,\"tx_p50_ms\":%.1f,\"tx_p99_ms\":%.1f,"
                        + "\"tx_max_ms\":%.1f,\"rows_per_tx\":%d,\"pause_ms\":%d,\"completed_left\":%d,"
                        + "\"ingestions_left\":%d,\"by_kind\":%s,\"baseline\":%s,\"during\":%s}",
                storeName,
                shape,
                sweep[0].rows(),
                sweep[0].ingestions(),
                sweep[0].keys(),
                seconds(sweep[0].took().toNanos()),
                sweep[0].rows() / seconds(sweep[0].took().toNanos()),
                tx.length,
                percentile(tx, 0.5),
                percentile(tx, 0.99),
                tx.length == 0 ? 0 : tx[tx.length - 1],
                rows,
                pause.toMillis(),
                left,
                waitingLeft,
                retention.byKind(),
                baseline.json(),
                during.json());
        progress("%s %s: %s", storeName, shape, line);
        System.out.println("RETENTIONBENCH " + line);
        System.out.flush();
    }

    // ---- the completed work, written as the service leaves it ----------------------------------

    /**
     * {@code count} completed 3-id ingestions, each with its batch, start, records and key: 7 rows
     * each. Their ids are version 7 UUIDs a few ms apart, as the service makes them; their keys
     * random, as clients make them.
     */
    private long fillSmall(int count) {
        List<MapSqlParameterSource> keys = new ArrayList<>(count);
        for (int from = 0; from < count; from += 5_000) {
            List<NewIngestion> group = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 5_000); i++) {
                Instant created = LONG_AGO.minusMillis(10L * (count - i));
                UUID id = ids.construct(created.toEpochMilli());
                group.add(new NewIngestion(id, Priority.MEDIUM, 3, new int[] {i + 1, i + 2, i + 3}, created));
                keys.add(new MapSqlParameterSource()
                        .addValue("key", UUID.randomUUID().toString())
                        .addValue("id", id)
                        .addValue("at", ts(created)));
            }
            store.insertIngestions(group);
        }
        completeEverything();
        jdbc.sql("""
                INSERT INTO batch (ingestion_id, idx, status, attempts, started_at, last_started_at, completed_at)
                SELECT id, 0, 'completed', 1, created_at, created_at, created_at FROM ingestion
                """).update();
        jdbc.sql("""
                INSERT INTO batch_start (ingestion_id, idx, attempt, started_at, owner)
                SELECT id, 0, 1, created_at, 'bench' FROM ingestion ORDER BY created_at
                """).update();
        jdbc.sql("""
                INSERT INTO record (ingestion_id, position, state, data, fetched_at)
                SELECT i.id, p.position, 'fetched', '{"id": 123456, "data": "processed"}', i.created_at
                FROM ingestion i CROSS JOIN (VALUES (0), (1), (2)) AS p(position)
                """).update();
        new NamedParameterJdbcTemplate(dataSource).batchUpdate("""
                INSERT INTO idempotency_key (scope, idem_key, fingerprint, ingestion_id, status, created_at)
                VALUES ('', :key, 'fingerprint', :id, 200, :at)
                """, keys.toArray(MapSqlParameterSource[]::new));
        return 7L * count;
    }

    /** One completed ingestion of {@code idCount} ids (batch size 3). */
    private long fillLarge(int idCount) {
        UUID id = ids.construct(LONG_AGO.toEpochMilli());
        store.insertIngestion(new NewIngestion(
                id, Priority.MEDIUM, 3, IntStream.rangeClosed(1, idCount).toArray(), LONG_AGO));
        completeEverything();
        int batches = (idCount + 2) / 3;
        numbers(idCount);
        jdbc.sql("""
                INSERT INTO batch (ingestion_id, idx, status, attempts, started_at, last_started_at, completed_at)
                SELECT :id, n, 'completed', 1, :at, :at, :at FROM bench_n WHERE n < :batches
                """)
                .param("id", id)
                .param("at", ts(LONG_AGO))
                .param("batches", batches)
                .update();
        jdbc.sql("""
                INSERT INTO batch_start (ingestion_id, idx, attempt, started_at, owner)
                SELECT :id, n, 1, :at, 'bench' FROM bench_n WHERE n < :batches
                """)
                .param("id", id)
                .param("at", ts(LONG_AGO))
                .param("batches", batches)
                .update();
        jdbc.sql("""
                INSERT INTO record (ingestion_id, position, state, data, fetched_at)
                SELECT :id, n, 'fetched', '{"id": 123456, "data": "processed"}', :at FROM bench_n WHERE n < :ids
                """)
                .param("id", id)
                .param("at", ts(LONG_AGO))
                .param("ids", idCount)
                .update();
        jdbc.sql("DROP TABLE bench_n").update();
        long chunks = jdbc.sql("SELECT COUNT(*) FROM ingestion_chunk")
                .query(Long.class)
                .single();
        return 1 + chunks + 2L * batches + idCount;
    }

    /** A table bench_n of the numbers 0 .. at least {@code count} - 1, by doubling: the same SQL on both stores. */
    private void numbers(int count) {
        jdbc.sql("CREATE TABLE bench_n (n INTEGER NOT NULL PRIMARY KEY)").update();
        jdbc.sql("INSERT INTO bench_n (n) VALUES (0)").update();
        for (long have = 1; have < count; have *= 2) {
            jdbc.sql("INSERT INTO bench_n (n) SELECT n + :have FROM bench_n")
                    .param("have", have)
                    .update();
        }
    }

    /** Every ingestion stored so far, completed long ago, as the write that completes the last batch leaves it. */
    private void completeEverything() {
        jdbc.sql("""
                UPDATE ingestion SET next_batch = batch_count, completed_batches = batch_count, waiting = FALSE,
                                     completed_at = created_at
                """).update();
        jdbc.sql("UPDATE queue_tally SET batches = (SELECT batches FROM queue_tally t WHERE t.counter = 'enqueued' "
                        + "AND t.priority = queue_tally.priority) WHERE counter = 'started'")
                .update();
    }

    private void fillWaiting(int count) {
        for (int from = 0; from < count; from += 5_000) {
            List<NewIngestion> group = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 5_000); i++) {
                Instant created = NOW.minusMillis(count - i);
                group.add(new NewIngestion(
                        ids.construct(created.toEpochMilli()), Priority.LOW, 3, new int[] {1, 2, 3}, created));
            }
            store.insertIngestions(group);
        }
    }

    /** PostgreSQL plans with the statistics autovacuum would have gathered by the time work is 30 days old. */
    private void analyze() {
        if (storeName.equals("postgres")) {
            jdbc.sql("ANALYZE").update();
        }
    }

    // ---- the load beside it ---------------------------------------------------------------------

    private record Load(double[] ingestMillis, double[] claimMillis, double seconds) {

        String json() {
            return String.format(
                    Locale.ROOT,
                    "{\"seconds\":%.1f,\"ingests\":%d,\"ingest_p50_ms\":%.2f,\"ingest_p99_ms\":%.2f,"
                            + "\"ingest_max_ms\":%.1f,\"claims\":%d,\"claim_p50_ms\":%.2f,\"claim_p99_ms\":%.2f,"
                            + "\"claim_max_ms\":%.1f}",
                    seconds,
                    ingestMillis.length,
                    percentile(ingestMillis, 0.5),
                    percentile(ingestMillis, 0.99),
                    ingestMillis.length == 0 ? 0 : ingestMillis[ingestMillis.length - 1],
                    claimMillis.length,
                    percentile(claimMillis, 0.5),
                    percentile(claimMillis, 0.99),
                    claimMillis.length == 0 ? 0 : claimMillis[claimMillis.length - 1]);
        }

        @Override
        public String toString() {
            return json();
        }
    }

    /** Ingests and claims, timed, while {@code work} runs on this thread. */
    private Load load(Runnable work) throws InterruptedException {
        AtomicBoolean done = new AtomicBoolean();
        List<Double> ingests = new CopyOnWriteArrayList<>();
        List<Double> claims = new CopyOnWriteArrayList<>();
        CountDownLatch finished = new CountDownLatch(2);
        Thread ingest = new Thread(() -> {
            try {
                while (!done.get()) {
                    int id = ThreadLocalRandom.current().nextInt(1, 1_000_000);
                    Instant created = Instant.now();
                    NewIngestion ingestion = new NewIngestion(
                            ids.construct(created.toEpochMilli()),
                            Priority.HIGH,
                            3,
                            new int[] {id, id + 1, id + 2, id + 3, id + 4},
                            created);
                    long t = System.nanoTime();
                    store.insertIngestion(ingestion);
                    ingests.add((System.nanoTime() - t) / 1e6);
                    sleep(Duration.ofMillis(5));
                }
            } finally {
                finished.countDown();
            }
        });
        Thread claim = new Thread(() -> {
            try {
                while (!done.get()) {
                    long t = System.nanoTime();
                    Claim result = store.claim(() -> Instant.now(), RATE, "bench", Duration.ofSeconds(30));
                    claims.add((System.nanoTime() - t) / 1e6);
                    if (!(result instanceof Claim.Started)) {
                        throw new IllegalStateException("no batch started: " + result);
                    }
                    sleep(Duration.ofMillis(100));
                }
            } finally {
                finished.countDown();
            }
        });
        ingest.start();
        claim.start();
        long t0 = System.nanoTime();
        try {
            work.run();
        } finally {
            done.set(true);
        }
        double took = seconds(System.nanoTime() - t0);
        finished.await();
        return new Load(sorted(ingests), sorted(claims), took);
    }

    // ---- timing each purge transaction ----------------------------------------------------------

    /** The store's retention statements, each transaction timed. */
    private static final class TimedRetention extends Retention {

        private final List<Double> millis = new ArrayList<>();
        private final List<Double> keyMillis = new ArrayList<>();
        private final List<Double> ingestionMillis = new ArrayList<>();
        private final long started = System.nanoTime();

        TimedRetention(DataSource dataSource) {
            super(dataSource);
        }

        @Override
        public Purged purgeCompletedBefore(Instant cutoff, int rows, int candidates) {
            long t = System.nanoTime();
            Purged purged = super.purgeCompletedBefore(cutoff, rows, candidates);
            if (purged.any()) {
                double ms = (System.nanoTime() - t) / 1e6;
                millis.add(ms);
                ingestionMillis.add(ms);
                slow("ingestions", ms, purged.rows());
            }
            return purged;
        }

        @Override
        public int purgeIdempotencyKeysCreatedBefore(Instant cutoff, int limit) {
            long t = System.nanoTime();
            int keys = super.purgeIdempotencyKeysCreatedBefore(cutoff, limit);
            if (keys > 0) {
                double ms = (System.nanoTime() - t) / 1e6;
                millis.add(ms);
                keyMillis.add(ms);
                slow("keys", ms, keys);
            }
            return keys;
        }

        double[] millis() {
            return sorted(millis);
        }

        String byKind() {
            double[] keys = sorted(keyMillis);
            double[] ingestions = sorted(ingestionMillis);
            return String.format(
                    Locale.ROOT,
                    "{\"key_tx\":%d,\"key_tx_p50_ms\":%.1f,\"key_tx_max_ms\":%.1f,\"ingestion_tx\":%d,"
                            + "\"ingestion_tx_p50_ms\":%.1f,\"ingestion_tx_p99_ms\":%.1f,\"ingestion_tx_max_ms\":%.1f}",
                    keys.length,
                    percentile(keys, 0.5),
                    keys.length == 0 ? 0 : keys[keys.length - 1],
                    ingestions.length,
                    percentile(ingestions, 0.5),
                    percentile(ingestions, 0.99),
                    ingestions.length == 0 ? 0 : ingestions[ingestions.length - 1]);
        }

        private void slow(String kind, double ms, long rows) {
            if (ms > 250) {
                progress(
                        "  slow %s transaction at %.1f s: %.0f ms, %d rows",
                        kind, seconds(System.nanoTime() - started), ms, rows);
            }
        }
    }

    // ---- small things ---------------------------------------------------------------------------

    private static double[] sorted(List<Double> values) {
        double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(array);
        return array;
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static java.time.OffsetDateTime ts(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void progress(String format, Object... args) {
        System.err.println(String.format(Locale.ROOT, format, args));
    }
}
