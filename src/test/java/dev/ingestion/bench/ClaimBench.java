package dev.ingestion.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.DatabaseClock;
import dev.ingestion.store.Dialect;
import dev.ingestion.store.NewIngestion;
import dev.ingestion.store.QueueStore;
import dev.ingestion.support.TestStores;

/**
 * Benchmark of the claim (bench/run, item 3): how long {@link QueueStore#claim} takes to choose
 * and claim the next batch with 10, 10,000 and 1,000,000 batches waiting, on an H2 file database
 * and on PostgreSQL. Not a test: a main run with the test classpath by {@code bench/run}.
 *
 * <p>The backlog is the worst case for the queue index: one single-batch ingestion (3 ids) per
 * waiting batch, inserted through {@link QueueStore#insertIngestions} in groups of 10,000 per
 * transaction. Each measured claim is followed, untimed, by what the service does around it: the
 * batch's records are stored (which completes it) and one new single-batch ingestion is added at
 * the end of the queue, so the backlog stays at its level while it is measured. The clock is the
 * service's: the JVM's for H2, the server's {@code clock_timestamp()} for PostgreSQL, read inside
 * the claim; the interval is 1 ms and each claim waits 1 ms after the previous one.
 *
 * <p>Arguments: {@code --h2 <folder>} and/or {@code --pg <host:port> <user> <password>} (a
 * superuser: it creates its own databases), {@code --claims N} (measured claims per level),
 * {@code --levels 10,10000,1000000}, {@code --one N} (also a single ingestion of N ids; 0 skips),
 * {@code --group N} (ingestions per fill transaction, 10,000), {@code --deadline <epoch ms>} (stop filling
 * then and measure with the backlog reached), {@code --fairness off,ingestion,key} (the modes of
 * INGEST_FAIRNESS to measure, each on a fresh database; off by default; with key the backlog's
 * ingestions belong to {@value #KEYS} keys in turn). PostgreSQL is measured first, then H2.
 * Prints one {@code CLAIMBENCH {json}} line per measurement on stdout, progress on stderr.
 */
public final class ClaimBench {

    private static final RateLimit RATE = new RateLimit(Duration.ofMillis(1));
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final String OWNER = "claim-bench";
    private static int fillGroup = 10_000;
    /** When filling must stop (epoch millis), so that bench/run keeps to its time; 0: never. */
    private static long deadline;

    private static final Priority MEDIUM = Priority.MEDIUM;
    /** With fair share by key, the backlog's ingestions belong to this many keys, in turn. */
    static final int KEYS = 10;

    private final String storeName;
    private final QueueStore store;
    private final Supplier<Instant> clock;
    private final HikariDataSource dataSource;
    private final Dialect dialect;
    private final Fairness fairness;
    private int nextId = 1;
    private int waiting;

    private ClaimBench(String storeName, HikariDataSource dataSource, Dialect dialect) {
        this(storeName, dataSource, dialect, Fairness.OFF);
    }

    private ClaimBench(String storeName, HikariDataSource dataSource, Dialect dialect, Fairness fairness) {
        this.fairness = fairness;
        this.storeName = storeName;
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.store = new QueueStore(dataSource);
        Clock source = dialect == Dialect.POSTGRES ? new DatabaseClock(dataSource, dialect) : Clock.systemUTC();
        this.clock = source::instant;
    }

    public static void main(String[] args) throws Exception {
        Path h2Folder = null;
        String pgHostPort = null;
        String pgUser = null;
        String pgPassword = null;
        int claims = 400;
        int one = 3_000_000;
        int[] levels = {10, 10_000, 1_000_000};
        List<Fairness> modes = List.of(Fairness.OFF);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--h2" -> h2Folder = Path.of(args[++i]);
                case "--pg" -> {
                    pgHostPort = args[++i];
                    pgUser = args[++i];
                    pgPassword = args[++i];
                }
                case "--group" -> fillGroup = Integer.parseInt(args[++i]);
                case "--deadline" -> deadline = Long.parseLong(args[++i]);
                case "--claims" -> claims = Integer.parseInt(args[++i]);
                case "--one" -> one = Integer.parseInt(args[++i]);
                case "--fairness" ->
                    modes = Arrays.stream(args[++i].split(","))
                            .map(label -> Fairness.parse(label)
                                    .orElseThrow(() -> new IllegalArgumentException("unknown fairness " + label)))
                            .toList();
                case "--levels" ->
                    levels = Arrays.stream(args[++i].split(","))
                            .mapToInt(Integer::parseInt)
                            .toArray();
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (pgHostPort != null) {
            if (one > 0) {
                try (HikariDataSource ds = freshPostgres(pgHostPort, pgUser, pgPassword, "claim_bench_one")) {
                    new ClaimBench("postgres", ds, Dialect.POSTGRES).oneIngestion(one, claims);
                }
            }
            for (Fairness mode : modes) {
                try (HikariDataSource ds = freshPostgres(pgHostPort, pgUser, pgPassword, "claim_bench_levels")) {
                    new ClaimBench("postgres", ds, Dialect.POSTGRES, mode).levels(levels, claims);
                }
            }
        }
        if (h2Folder != null) {
            Files.createDirectories(h2Folder);
            if (one > 0) {
                try (HikariDataSource ds = TestStores.h2(h2Folder.resolve("one"))) {
                    new ClaimBench("h2", ds, Dialect.H2).oneIngestion(one, claims);
                }
            }
            for (Fairness mode : modes) {
                try (HikariDataSource ds = TestStores.h2(h2Folder.resolve("levels-" + mode.label()))) {
                    new ClaimBench("h2", ds, Dialect.H2, mode).levels(levels, claims);
                }
            }
        }
    }

    /** One ingestion of {@code idCount} ids (idCount / 3 batches waiting), then claims from it. */
    private void oneIngestion(int idCount, int claims) {
        int[] ids = new int[idCount];
        for (int i = 0; i < idCount; i++) {
            ids[i] = i + 1;
        }
        long t0 = System.nanoTime();
        store.insertIngestion(new NewIngestion(UUID.randomUUID(), MEDIUM, 3, ids, Instant.now()));
        double insertSeconds = (System.nanoTime() - t0) / 1e9;
        progress("%s: one ingestion of %,d ids stored in %.2f s", storeName, idCount, insertSeconds);
        measure(
                String.format(Locale.ROOT, "one ingestion of %d ids", idCount),
                (idCount + 2) / 3,
                (idCount + 2) / 3,
                200,
                claims,
                false,
                insertSeconds);
    }

    /** 10, 10,000, 1,000,000 single-batch ingestions waiting. */
    private void levels(int[] levels, int claims) {
        boolean first = true;
        for (int level : levels) {
            long t0 = System.nanoTime();
            fillTo(level);
            double fillSeconds = (System.nanoTime() - t0) / 1e9;
            String shape = fairness.on()
                    ? "single-batch ingestions, fair share by " + fairness.label()
                            + (fairness == Fairness.KEY ? " (" + KEYS + " keys)" : "")
                    : "single-batch ingestions";
            measure(shape, level, waiting, first ? 200 : 50, claims, true, fillSeconds);
            first = false;
        }
    }

    private void fillTo(int level) {
        long t0 = System.nanoTime();
        int start = waiting;
        while (waiting < level) {
            if (deadline > 0 && System.currentTimeMillis() > deadline) {
                progress("%s: out of time: measuring with %,d waiting instead of %,d", storeName, waiting, level);
                return;
            }
            int n = Math.min(fillGroup, level - waiting);
            List<NewIngestion> group = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                group.add(single());
            }
            store.insertIngestions(group);
            waiting += n;
            if (waiting % 100_000 == 0) {
                double s = (System.nanoTime() - t0) / 1e9;
                progress("%s: %,d ingestions waiting (%,.0f inserted/s)", storeName, waiting, (waiting - start) / s);
            }
        }
    }

    private NewIngestion single() {
        int id = nextId;
        nextId = nextId > 999_000_000 ? 1 : nextId + 3;
        String owner = fairness == Fairness.KEY ? "key-" + (id / 3) % KEYS : null;
        return new NewIngestion(
                UUID.randomUUID(), MEDIUM, 3, new int[] {id, id + 1, id + 2}, Instant.now(), owner, null);
    }

    private void measure(
            String shape,
            int level,
            int batchesWaiting,
            int warmup,
            int claims,
            boolean replenish,
            double fillSeconds) {
        double[] millis = new double[claims];
        for (int i = -warmup; i < claims; i++) {
            sleepMillis(1); // the interval (1 ms) since the previous start
            long t0 = System.nanoTime();
            Claim claim = store.claim(clock, RATE, OWNER, LEASE, 0, fairness);
            long took = System.nanoTime() - t0;
            if (claim instanceof Claim.NotBefore) {
                i--; // the slot was not open yet: not a measurement, try again
                continue;
            }
            if (!(claim instanceof Claim.Started started)) {
                throw new IllegalStateException("expected a start with " + batchesWaiting + " waiting, got " + claim);
            }
            complete(started.batch());
            if (replenish) {
                store.insertIngestion(single());
            }
            if (i >= 0) {
                millis[i] = took / 1e6;
            }
        }
        Arrays.sort(millis);
        double mean = Arrays.stream(millis).average().orElse(Double.NaN);
        String json = String.format(
                Locale.ROOT,
                "{\"store\":\"%s\",\"shape\":\"%s\",\"level\":%d,\"waiting\":%d,\"claims\":%d,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                        + "\"mean_ms\":%.3f,\"max_ms\":%.3f,\"fill_s\":%.2f}",
                storeName,
                shape,
                level,
                batchesWaiting,
                claims,
                percentile(millis, 50),
                percentile(millis, 99),
                mean,
                millis[millis.length - 1],
                fillSeconds);
        System.out.println("CLAIMBENCH " + json);
        System.out.flush();
        progress(
                "%s: %,d batches waiting (%s): claim p50 %.3f ms, p99 %.3f ms",
                storeName, batchesWaiting, shape, percentile(millis, 50), percentile(millis, 99));
        explain();
    }

    /** What the service does after a start: store each record, the last one completes the batch. */
    private void complete(ClaimedBatch batch) {
        for (ClaimedBatch.Item item : batch.pending()) {
            store.saveRecord(
                    batch.ingestionId(),
                    batch.index(),
                    item.position(),
                    "{\"id\": " + item.id() + ", \"data\": \"processed\"}",
                    Instant.now());
        }
    }

    /** The plans of the claim's two reads, for the log (bench/run keeps it). */
    private void explain() {
        String prefix = dialect == Dialect.POSTGRES ? "EXPLAIN (ANALYZE, BUFFERS) " : "EXPLAIN ANALYZE ";
        String fresh = switch (fairness) {
            case OFF ->
                "SELECT id, next_batch, priority, seq FROM ingestion WHERE waiting = TRUE "
                        + "ORDER BY waiting, priority, seq LIMIT 1";
            case INGESTION ->
                "SELECT id, next_batch, priority, seq, turn, owner FROM ingestion WHERE seq = (SELECT seq FROM "
                        + "ingestion WHERE waiting = TRUE ORDER BY waiting, priority, turn, seq LIMIT 1)";
            case KEY ->
                "SELECT k.owner, k.priority, k.turn FROM key_turn k WHERE k.owner <> '' AND "
                        + "(SELECT 1 FROM ingestion i WHERE i.owner = k.owner AND i.waiting = TRUE AND "
                        + "i.priority = k.priority ORDER BY i.owner, i.waiting, i.priority, i.seq LIMIT 1) IS NOT NULL "
                        + "ORDER BY k.priority, k.turn, k.owner LIMIT 1";
        };
        String ofKey = "SELECT id, next_batch, priority, seq FROM ingestion WHERE owner = 'key-3' AND waiting = TRUE "
                + "AND priority = 1 ORDER BY owner, waiting, priority, seq LIMIT 1";
        String orphan = "SELECT b.ingestion_id, b.idx, b.attempts, i.priority, i.seq FROM batch b "
                + "JOIN ingestion i ON i.id = b.ingestion_id WHERE b.status = 'triggered' "
                + "AND (b.lease_until IS NULL OR b.lease_until < CURRENT_TIMESTAMP) ORDER BY i.priority, i.seq, b.idx LIMIT 1";
        try (Connection c = dataSource.getConnection();
                Statement s = c.createStatement()) {
            for (String sql : fairness == Fairness.KEY ? List.of(fresh, ofKey, orphan) : List.of(fresh, orphan)) {
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = s.executeQuery(prefix + sql)) {
                    while (rs.next()) {
                        plan.append("    ").append(rs.getString(1)).append('\n');
                    }
                }
                progress("%s plan:%n%s", storeName, plan);
            }
        } catch (SQLException e) {
            progress("%s: no plan (%s)", storeName, e.getMessage());
        }
    }

    private static HikariDataSource freshPostgres(String hostPort, String user, String password, String name)
            throws SQLException {
        String admin = "jdbc:postgresql://" + hostPort + "/postgres";
        try (HikariDataSource ds = dataSource(admin, user, password);
                Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name);
            s.execute("CREATE DATABASE " + name);
        }
        HikariDataSource ds = dataSource("jdbc:postgresql://" + hostPort + "/" + name, user, password);
        TestStores.migrate(ds);
        return ds;
    }

    private static HikariDataSource dataSource(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(4);
        return new HikariDataSource(config);
    }

    /** Nearest-rank percentile of sorted values. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void progress(String format, Object... args) {
        System.err.printf(Locale.ROOT, format + "%n", args);
        System.err.flush();
    }
}
