package dev.ingestion.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.store.BatchRow;
import dev.ingestion.store.BatchStart;
import dev.ingestion.store.IngestionRow;
import dev.ingestion.store.QueueReads;
import dev.ingestion.support.TestStores;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Failover between instances of one deployment: two packaged jars as child processes on one
 * PostgreSQL database. The instance running a batch is killed with SIGKILL; the other one runs
 * that batch again once its lease has run out. The upstream (4 s) is slower than the lease (3 s),
 * so only the renewal of leases keeps the batches of the living instance its own. Then a third
 * instance takes the victim's place and is stopped with SIGTERM while it runs a batch: it answers
 * the request in flight, gives its leases back, and the survivor runs its batches at once.
 */
class FailoverIT {

    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration UPSTREAM_DELAY = Duration.ofSeconds(4);
    private static final Duration LEASE = Duration.ofSeconds(3);
    /** Room for a loaded machine: polling, renewal and claim steps, JVM pauses. */
    private static final Duration TOLERANCE = Duration.ofSeconds(3);
    /** The instance stopped by SIGTERM: a lease no batch here outlasts, a drain shorter than a batch. */
    private static final Duration STOPPING_LEASE = Duration.ofSeconds(30);

    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(1);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    final ServiceProcess.Children children = new ServiceProcess.Children();

    @TempDir
    Path folder;

    private HikariDataSource database;

    @AfterEach
    void closeDatabase() {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void aKilledInstancesBatchRunsOnAnotherAfterItsLeaseAStoppedOnesAtTheNextSlotAndNothingAcceptedIsLost()
            throws Exception {
        database = TestStores.postgres();
        QueueReads reads = new QueueReads(database);
        Map<String, String> env = Map.of(
                "INGEST_DB_URL", database.getJdbcUrl(),
                "INGEST_DB_USER", "postgres",
                "INGEST_DB_PASSWORD", "postgres",
                "INGEST_INTERVAL", "1s",
                "INGEST_UPSTREAM_DELAY", "4s",
                "INGEST_LEASE", "3s",
                "LOGGING_LEVEL_DEV_INGESTION_DISPATCH", "DEBUG");
        // One after the other: the first instance of a deployment records its settings.
        Instance a = start("A", env);
        Instance b = start("B", env);

        // Priority order: X (HIGH), then Y and Z (LOW, Y created first). Seven batches in all.
        Sent x = ingest(a, "X", "HIGH", range(101, 106));
        Sent y = ingest(b, "Y", "LOW", range(201, 203));
        Sent z = ingest(a, "Z", "LOW", range(301, 309));
        List<Sent> sent = List.of(x, y, z);

        await(
                "X's first batch is triggered",
                Duration.ofSeconds(20),
                () -> batchStatuses(a, x).get(0).equals("triggered"));
        BatchStart firstRun = reads.starts().stream()
                .filter(s -> s.ingestionId().equals(x.id()) && s.index() == 0 && s.attempt() == 1)
                .findFirst()
                .orElseThrow(() -> new AssertionError("X's first batch is triggered but not in the start log"));
        assertThat(List.of(a, b))
                .as("instances, one of which owns %s", firstRun)
                .anyMatch(i -> i.owns(firstRun));
        Instance victim = a.owns(firstRun) ? a : b;
        Instance survivor = victim == a ? b : a;

        Instant killRequested = Instant.now();
        victim.service().kill();
        Instant killed = Instant.now();
        // Every batch the victim had started is interrupted: none can finish within 4 s of its start.
        List<BatchStart> interrupted =
                reads.starts().stream().filter(victim::owns).toList();
        assertThat(interrupted)
                .as("batches started by %s, killed at %s", victim.name(), killed)
                .contains(firstRun)
                .allSatisfy(s -> assertThat(s.startedAt()).isAfter(killRequested.minus(UPSTREAM_DELAY)));

        await(
                "every batch of X, Y and Z completed",
                Duration.ofSeconds(45),
                () -> {
                    assertThat(survivor.service().isAlive())
                            .as("the survivor %s is running", survivor.name())
                            .isTrue();
                    return sent.stream().allMatch(s -> {
                        IngestionRow row = reads.findIngestion(s.id()).orElseThrow();
                        return row.completedBatches() == row.batchCount();
                    });
                },
                () -> "start log:\n  "
                        + reads.starts().stream()
                                .map(s -> describe(s, sent, a, b))
                                .collect(Collectors.joining("\n  ")));

        List<BatchStart> starts = reads.starts();
        Map<String, BatchRow> batches = new HashMap<>();
        for (Sent s : sent) {
            reads.startedBatches(s.id()).forEach(row -> batches.put(key(s.id(), row.index()), row));
        }
        System.out.printf(
                "failover: %s (pid %d) killed at %s; starts:%n  %s%n",
                victim.name(),
                victim.pid(),
                killed,
                starts.stream()
                        .map(s -> describe(s, sent, a, b) + " completed "
                                + batches.get(key(s)).completedAt())
                        .collect(Collectors.joining("\n  ")));

        // Each interrupted batch ran again, once, on the survivor, after its lease had run out,
        // and completed within lease + interval + upstream delay (+ tolerance) of the kill.
        Instant deadline =
                killed.plus(LEASE).plus(INTERVAL).plus(UPSTREAM_DELAY).plus(TOLERANCE);
        for (BatchStart before : interrupted) {
            List<BatchStart> runs =
                    starts.stream().filter(s -> key(s).equals(key(before))).toList();
            assertThat(runs).as("runs of %s", describe(before, sent, a, b)).hasSize(2);
            BatchStart rerun = runs.get(1);
            assertThat(rerun.attempt()).as("attempt of the re-run").isEqualTo(2);
            assertThat(survivor.owns(rerun))
                    .as(
                            "%s runs on the survivor %s (pid %d)",
                            describe(rerun, sent, a, b), survivor.name(), survivor.pid())
                    .isTrue();
            assertThat(rerun.startedAt())
                    .as("re-run of a batch first started at %s, killed at %s", before.startedAt(), killRequested)
                    .isAfter(killRequested)
                    .isAfterOrEqualTo(before.startedAt().plus(LEASE));
            BatchStart previous = starts.get(starts.indexOf(rerun) - 1);
            assertThat(Duration.between(previous.startedAt(), rerun.startedAt()))
                    .as("gap between the re-run and the start before it, %s", describe(previous, sent, a, b))
                    .isGreaterThanOrEqualTo(INTERVAL);
            BatchRow row = batches.get(key(before));
            assertThat(row.attempts())
                    .as("attempts of %s", describe(before, sent, a, b))
                    .isEqualTo(2);
            assertThat(row.startedAt()).as("started_at keeps the first start").isEqualTo(before.startedAt());
            assertThat(row.lastStartedAt()).isEqualTo(rerun.startedAt());
            assertThat(row.completedAt())
                    .as("completion of %s (killed at %s)", describe(before, sent, a, b), killed)
                    .isAfterOrEqualTo(rerun.startedAt().plus(UPSTREAM_DELAY))
                    .isBeforeOrEqualTo(deadline);
            // The re-run keeps the batch's place: once its lease is out (at the latest a lease after
            // the kill), no batch waiting behind it takes a slot before it.
            Instant due = killRequested.plus(LEASE);
            assertThat(starts.stream()
                            .filter(s -> s.attempt() == 1
                                    && s.startedAt().isAfter(due)
                                    && s.startedAt().isBefore(rerun.startedAt()))
                            .map(s -> describe(s, sent, a, b)))
                    .as(
                            "first runs after the lease of %s ran out (%s) and before its re-run",
                            describe(before, sent, a, b), due)
                    .isEmpty();
        }

        // The survivor kept every batch it ran, though each took longer than the lease: no second runs.
        Set<String> interruptedKeys = interrupted.stream().map(FailoverIT::key).collect(Collectors.toSet());
        List<BatchStart> survivorFirstRuns = starts.stream()
                .filter(s -> survivor.owns(s) && !interruptedKeys.contains(key(s)))
                .toList();
        assertThat(survivorFirstRuns)
                .as("batches the survivor ran from the start")
                .isNotEmpty()
                .allSatisfy(s -> {
                    assertThat(s.attempt())
                            .as("attempt of %s", describe(s, sent, a, b))
                            .isEqualTo(1);
                    BatchRow row = batches.get(key(s));
                    assertThat(row.attempts())
                            .as("attempts of %s", describe(s, sent, a, b))
                            .isEqualTo(1);
                    assertThat(Duration.between(row.startedAt(), row.completedAt()))
                            .as("run time of %s", describe(s, sent, a, b))
                            .isGreaterThan(LEASE);
                });
        int batchCount = sent.stream().mapToInt(s -> s.batches()).sum();
        assertThat(starts)
                .as("starts: one per batch, plus one re-run per interrupted batch")
                .hasSize(batchCount + interrupted.size());
        assertThat(starts).as("owners of the starts").allMatch(s -> a.owns(s) || b.owns(s));

        // The rate limit held across both instances and the failover.
        for (int i = 1; i < starts.size(); i++) {
            assertThat(Duration.between(
                            starts.get(i - 1).startedAt(), starts.get(i).startedAt()))
                    .as(
                            "gap between %s and %s",
                            describe(starts.get(i - 1), sent, a, b), describe(starts.get(i), sent, a, b))
                    .isGreaterThanOrEqualTo(INTERVAL);
        }
        // First runs went in the spec's order: X's batches, then Y's, then Z's.
        assertThat(starts.stream()
                        .filter(s -> s.attempt() == 1)
                        .map(s -> describe(s, sent))
                        .toList())
                .as("first runs, in the order of the start log")
                .containsExactly("X0", "X1", "Y0", "Z0", "Z1", "Z2");

        // Nothing accepted was lost: the survivor answers for every ingestion, every id has its record.
        for (Sent s : sent) {
            JsonNode status = json(get(survivor, "/status/" + s.id()));
            assertThat(status.get("status").asString())
                    .as("overall status of %s", s.label())
                    .isEqualTo("completed");
            assertThat(batchStatuses(survivor, s))
                    .as("batch statuses of %s", s.label())
                    .containsOnly("completed");

            FetchedRecords.assertEveryIdFetched(
                    json(get(survivor, "/ingestions/" + s.id() + "/records?limit=1000")), s.ids(), s.label());
        }
        // The records of an interrupted batch were fetched by its re-run.
        for (BatchStart before : interrupted) {
            BatchRow row = batches.get(key(before));
            assertThat(reads.records(before.ingestionId(), before.index() * 3, before.index() * 3 + 3)
                            .values())
                    .as("records of %s", describe(before, sent, a, b))
                    .isNotEmpty()
                    .allSatisfy(r -> assertThat(r.fetchedAt()).isAfterOrEqualTo(row.lastStartedAt()));
        }
        assertThat(survivor.service().healthStatus())
                .as("/health of the survivor")
                .isEqualTo(200);

        gracefulStopHandsARunningBatchBackAtOnce(env, reads, survivor);
    }

    /**
     * SIGTERM to an instance running a batch (issue 13, point 4). The victim's place is taken by C,
     * with a lease (30 s) far longer than anything here and a drain timeout (1 s) shorter than a
     * batch (4 s): only C giving its leases back lets the survivor run C's batches before that lease
     * would have run out.
     */
    private void gracefulStopHandsARunningBatchBackAtOnce(Map<String, String> env, QueueReads reads, Instance survivor)
            throws Exception {
        Map<String, String> stoppingEnv = new HashMap<>(env);
        stoppingEnv.put("INGEST_LEASE", STOPPING_LEASE.toSeconds() + "s");
        stoppingEnv.put("INGEST_DRAIN_TIMEOUT", DRAIN_TIMEOUT.toMillis() + "ms");
        Instance c = start("C", stoppingEnv);
        assertThat(c.service().status("/health/readiness"))
                .as("/health/readiness of C, started")
                .isEqualTo(200);

        // C, woken by the arrival, claims W's first batch at once; the survivor claims only at its
        // idle poll (about a second), so C runs at least one of W's four batches.
        Sent w = ingest(c, "W", "HIGH", range(401, 412));
        await(
                "C runs a batch of W",
                Duration.ofSeconds(20),
                () -> reads.starts().stream().anyMatch(s -> s.ingestionId().equals(w.id()) && c.owns(s)),
                () -> "start log:\n  " + reads.starts());
        HeldPost held = HeldPost.begin(c.service(), "{\"ids\": [501, 502, 503, 504], \"priority\": \"LOW\"}");
        await("C is inside the held POST /ingest", Duration.ofSeconds(10), () -> postsInFlight(c) > 0);

        Instant terminated = Instant.now();
        long sigterm = System.nanoTime();
        c.service().terminate();
        // The POST is finished only once readiness is down, so that it is answered during the shutdown.
        await(
                "/health/readiness of C other than 200 (503, or the port closed) while C still runs",
                Duration.ofSeconds(5),
                () -> c.service().status("/health/readiness") != 200
                        && c.service().isAlive());
        Duration readinessDown = Duration.ofNanos(System.nanoTime() - sigterm);
        HeldPost.Answer answer;
        try (held) {
            answer = held.finish();
        }
        Integer exitCode = c.service().awaitExit(Duration.ofSeconds(30));
        Duration toExit = Duration.ofNanos(System.nanoTime() - sigterm);

        assertThat(exitCode)
                .as("exit code of C after SIGTERM (null: still running 30 s later)")
                .isEqualTo(143);
        assertThat(answer.status())
                .as("the POST /ingest in flight at SIGTERM: %s", answer.body())
                .isEqualTo(200);
        assertThat(readinessDown)
                .as("time from SIGTERM to a /health/readiness other than 200 (exit after %s)", toExit)
                .isLessThan(DRAIN_TIMEOUT);
        assertThat(leasesHeldBy(c))
                .as("leases C still holds once it is gone (its batches were still running)")
                .isZero();

        Sent v = new Sent(
                "V",
                UUID.fromString(JsonMapper.shared()
                        .readTree(answer.body())
                        .get("ingestion_id")
                        .asString()),
                List.of(501, 502, 503, 504));
        List<Sent> sent = List.of(w, v);
        await(
                "every batch of W and V completed",
                Duration.ofSeconds(45),
                () -> sent.stream().allMatch(s -> {
                    IngestionRow row = reads.findIngestion(s.id()).orElseThrow();
                    return row.completedBatches() == row.batchCount();
                }),
                () -> "start log:\n  " + reads.starts());

        List<BatchStart> starts = reads.starts();
        List<BatchStart> stopped = starts.stream().filter(c::owns).toList();
        System.out.printf(
                "graceful stop: C (pid %d) got SIGTERM at %s, readiness down after %d ms, exited %d after %d ms; "
                        + "starts:%n  %s%n",
                c.pid(),
                terminated,
                readinessDown.toMillis(),
                exitCode,
                toExit.toMillis(),
                starts.stream()
                        .filter(s -> sent.stream().anyMatch(x -> x.id().equals(s.ingestionId())))
                        .map(s -> describe(s, sent, c, survivor) + " (" + Duration.between(terminated, s.startedAt())
                                + " after SIGTERM)")
                        .collect(Collectors.joining("\n  ")));
        assertThat(stopped)
                .as("batches C started, all of W and all before the hand-back")
                .isNotEmpty()
                .allSatisfy(s -> {
                    assertThat(s.ingestionId()).isEqualTo(w.id());
                    assertThat(s.attempt()).isEqualTo(1);
                    assertThat(s.startedAt()).isBefore(terminated.plus(DRAIN_TIMEOUT));
                });
        for (BatchStart before : stopped) {
            List<BatchStart> runs =
                    starts.stream().filter(s -> key(s).equals(key(before))).toList();
            assertThat(runs)
                    .as("runs of %s", describe(before, sent, c, survivor))
                    .hasSize(2);
            BatchStart rerun = runs.get(1);
            assertThat(survivor.owns(rerun))
                    .as("%s runs on the survivor", describe(rerun, sent, c, survivor))
                    .isTrue();
            assertThat(rerun.startedAt())
                    .as(
                            "re-run of a batch C started at %s, SIGTERM at %s: at the survivor's next slot after "
                                    + "the hand-back, long before C's lease would have run out",
                            before.startedAt(), terminated)
                    .isAfter(terminated)
                    .isBefore(terminated.plus(DRAIN_TIMEOUT).plus(INTERVAL).plus(TOLERANCE))
                    .isBefore(before.startedAt().plus(STOPPING_LEASE));
        }
        for (int i = 1; i < starts.size(); i++) {
            assertThat(Duration.between(
                            starts.get(i - 1).startedAt(), starts.get(i).startedAt()))
                    .as("gap between start %d and the one before it", i)
                    .isGreaterThanOrEqualTo(INTERVAL);
        }
        for (Sent s : sent) {
            FetchedRecords.assertEveryIdFetched(
                    json(get(survivor, "/ingestions/" + s.id() + "/records?limit=1000")), s.ids(), s.label());
        }
    }

    /** How many POSTs the instance is answering, from its own metrics. */
    private int postsInFlight(Instance instance) throws IOException, InterruptedException {
        return get(instance, "/metrics")
                .body()
                .lines()
                .filter(line -> line.startsWith("http_server_requests_active_seconds_count{")
                        && line.contains("method=\"POST\""))
                .mapToInt(line -> (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Triggered batches whose lease names this instance, straight from the store. */
    private int leasesHeldBy(Instance instance) throws SQLException {
        try (Connection connection = database.getConnection();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT count(*) FROM batch WHERE status = 'triggered' AND lease_owner LIKE ?")) {
            query.setString(1, instance.pid() + "@%");
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getInt(1);
            }
        }
    }

    // ---- instances ------------------------------------------------------------------------

    /** A child process and its pid, which opens the owner name of every start it makes. */
    private record Instance(String name, ServiceProcess service, long pid) {

        boolean owns(BatchStart start) {
            return start.owner().startsWith(pid + "@");
        }
    }

    /**
     * Launches and waits for /health. ServiceProcess does not show its pid; it is the one java
     * child of this JVM that the launch added.
     */
    private Instance start(String name, Map<String, String> env) {
        Set<Long> before = javaChildren();
        ServiceProcess service = children.launch(name, folder, env);
        Set<Long> added = javaChildren();
        added.removeAll(before);
        assertThat(added).as("java processes launched for %s", name).hasSize(1);
        service.awaitHealthy();
        return new Instance(name, service, added.iterator().next());
    }

    private static Set<Long> javaChildren() {
        return ProcessHandle.current()
                .children()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .map(ProcessHandle::pid)
                .collect(Collectors.toCollection(HashSet::new));
    }

    // ---- HTTP -----------------------------------------------------------------------------

    private Sent ingest(Instance instance, String label, String priority, List<Integer> ids)
            throws IOException, InterruptedException {
        String body = "{\"ids\": " + ids + ", \"priority\": \"" + priority + "\"}";
        HttpResponse<String> answer = http.send(
                HttpRequest.newBuilder(instance.service().uri("/ingest"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode())
                .as("POST /ingest %s to %s: %s", label, instance.name(), answer.body())
                .isEqualTo(200);
        return new Sent(label, UUID.fromString(json(answer).get("ingestion_id").asString()), ids);
    }

    private List<String> batchStatuses(Instance instance, Sent ingestion) throws IOException, InterruptedException {
        HttpResponse<String> answer = get(instance, "/status/" + ingestion.id());
        assertThat(answer.statusCode())
                .as("GET /status of %s: %s", ingestion.label(), answer.body())
                .isEqualTo(200);
        return json(answer).get("batches").values().stream()
                .map(b -> b.get("status").asString())
                .toList();
    }

    private HttpResponse<String> get(Instance instance, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(instance.service().uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> answer) {
        return JsonMapper.shared().readTree(answer.body());
    }

    // ---- values ---------------------------------------------------------------------------

    private record Sent(String label, UUID id, List<Integer> ids) {

        int batches() {
            return (ids.size() + 2) / 3;
        }
    }

    private static String key(UUID ingestionId, int index) {
        return ingestionId + "#" + index;
    }

    private static String key(BatchStart start) {
        return key(start.ingestionId(), start.index());
    }

    /** "X1" for batch 1 of X. */
    private static String describe(BatchStart start, List<Sent> sent) {
        return sent.stream()
                        .filter(s -> s.id().equals(start.ingestionId()))
                        .map(Sent::label)
                        .findFirst()
                        .orElse(start.ingestionId().toString())
                + start.index();
    }

    /** "X1 attempt 2 at ... by B". */
    private static String describe(BatchStart start, List<Sent> sent, Instance a, Instance b) {
        String by = a.owns(start) ? a.name() : b.owns(start) ? b.name() : start.owner();
        return describe(start, sent) + " attempt " + start.attempt() + " at " + start.startedAt() + " by " + by;
    }

    private static List<Integer> range(int first, int last) {
        return IntStream.rangeClosed(first, last).boxed().toList();
    }

    // ---- polling --------------------------------------------------------------------------

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(String what, Duration deadline, Condition condition) throws Exception {
        await(what, deadline, condition, () -> "");
    }

    /** Polls until the condition holds; past the deadline, fails with {@code details}. */
    private static void await(String what, Duration deadline, Condition condition, Supplier<String> details)
            throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what + "\n" + details.get());
            }
            ServiceProcess.pause(Duration.ofMillis(100));
        }
    }
}
