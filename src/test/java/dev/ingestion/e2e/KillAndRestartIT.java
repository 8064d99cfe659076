package dev.ingestion.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The durability contract end to end: the packaged jar as a child process on an H2 file store,
 * killed with SIGKILL (no shutdown hook, no drain) and started again on the same folder.
 */
class KillAndRestartIT {

    /** Timestamps in /status have millisecond precision; a slot of 1 s may show as 999 ms. */
    private static final Duration ONE_SLOT = Duration.ofMillis(950);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    final ServiceProcess.Children children = new ServiceProcess.Children();

    @TempDir
    Path folder;

    @Test
    void anAcknowledgedIngestionSurvivesKillNineAndFinishesInOrderAfterRestart() throws Exception {
        Map<String, String> env =
                ServiceProcess.Children.env(folder, "INGEST_INTERVAL", "1s", "INGEST_UPSTREAM_DELAY", "3s");
        ServiceProcess first = children.start("first", folder, env);

        // Creation order A, B, C; priority order C (HIGH), A (MEDIUM), B (LOW).
        List<Sent> sent = List.of(
                ingest(first, "A", "MEDIUM", 0, range(101, 109), "A-order-1"),
                ingest(first, "B", "LOW", 1, range(201, 203)),
                ingest(first, "C", "HIGH", 2, range(301, 303)));

        // A batch takes 3 s upstream: kill the process while one is triggered.
        Map<String, Batch> triggeredBeforeKill = new HashMap<>();
        await("some batch is triggered", Duration.ofSeconds(20), () -> {
            for (Sent ingestion : sent) {
                statusOf(first, ingestion).stream()
                        .filter(b -> b.status().equals("triggered"))
                        .forEach(b -> triggeredBeforeKill.put(b.batchId(), b));
            }
            return !triggeredBeforeKill.isEmpty();
        });
        first.kill();
        Instant killed = Instant.now();

        ServiceProcess second = children.start("second", folder, env);

        for (Sent ingestion : sent) {
            HttpResponse<String> status = get(second, "/status/" + ingestion.id());
            assertThat(status.statusCode())
                    .as("ingestion %s after the restart", ingestion.label())
                    .isEqualTo(200);
        }
        // A client that never saw A's answer sends it again with its Idempotency-Key: the key was
        // committed with A, so the restarted process answers with A and stores nothing new.
        HttpResponse<String> retried = post(second, sent.get(0).ids(), "MEDIUM", "A-order-1");
        assertThat(retried.statusCode()).as("A sent again: %s", retried.body()).isEqualTo(200);
        assertThat(json(retried).get("ingestion_id").asString())
                .isEqualTo(sent.get(0).id());
        assertThat(retried.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        Map<String, Batch> afterRestart = batchesById(second, sent);
        assertThat(afterRestart).as("every batch of the three ingestions").hasSize(5);
        triggeredBeforeKill.values().forEach(before -> {
            Batch after = afterRestart.get(before.batchId());
            assertThat(after.status())
                    .as("batch %s, triggered when killed", before)
                    .isIn("triggered", "completed");
            assertThat(after.startedAt())
                    .as("started_at of batch %s (its first start)", before)
                    .isEqualTo(before.startedAt());
        });

        await(
                "every batch completed",
                Duration.ofSeconds(60),
                () -> batchesById(second, sent).values().stream()
                        .allMatch(b -> b.status().equals("completed")));
        List<Batch> done = new ArrayList<>(batchesById(second, sent).values());
        System.out.printf(
                "killed at %s; seen triggered before: %s; batches at the end:%n  %s%n",
                killed,
                triggeredBeforeKill.values(),
                done.stream().sorted(Batch.SPEC_ORDER).map(Batch::toString).collect(Collectors.joining("\n  ")));
        for (Sent ingestion : sent) {
            JsonNode status = json(get(second, "/status/" + ingestion.id()));
            assertThat(status.get("status").asString())
                    .as("overall status of %s", ingestion.label())
                    .isEqualTo("completed");
        }

        // The kill interrupted a batch: it ran again after the restart and kept its first start.
        triggeredBeforeKill.values().forEach(before -> {
            Batch after = done.stream()
                    .filter(b -> b.batchId().equals(before.batchId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(after.startedAt()).as("started_at of %s", before).isEqualTo(before.startedAt());
        });
        List<Batch> interrupted = done.stream()
                .filter(b -> b.startedAt().isBefore(killed) && b.completedAt().isAfter(killed))
                .toList();
        assertThat(interrupted)
                .as(
                        "batches started before the kill and completed after it (seen triggered: %s)",
                        triggeredBeforeKill.values())
                .isNotEmpty();

        // What was left after the kill ran in the spec's order: priority, then creation, then batch index;
        // a re-run takes its place in that order and a slot of its own.
        // A batch takes the same 3 s whenever it starts, so completions keep the order of starts.
        List<Batch> leftOver = done.stream()
                .filter(b -> b.completedAt().isAfter(killed))
                .sorted(Batch.SPEC_ORDER)
                .toList();
        assertThat(done.stream()
                        .filter(b -> b.completedAt().isAfter(killed))
                        .sorted(Comparator.comparing(Batch::completedAt))
                        .toList())
                .as("batches completed after the restart, by completion time (expected: the spec's order)")
                .containsExactlyElementsOf(leftOver);
        assertSlots(leftOver, killed);

        // Every id was fetched and its record stored, in request order.
        for (Sent ingestion : sent) {
            FetchedRecords.assertEveryIdFetched(
                    json(get(second, "/ingestions/" + ingestion.id() + "/records?limit=1000")),
                    ingestion.ids(),
                    ingestion.label());
        }
    }

    @Test
    void everyIngestionAcknowledgedBeforeAKillIsThereAfterRestart() throws Exception {
        Map<String, String> env = ServiceProcess.Children.env(folder);
        ServiceProcess first = children.start("first", folder, env);

        Map<String, List<Integer>> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger nextId = new AtomicInteger(1);
        String[] priorities = {"HIGH", "MEDIUM", "LOW"};
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread sender = new Thread(
                    () -> {
                        while (sending.get()) {
                            int from = nextId.getAndAdd(4);
                            List<Integer> ids = range(from, from + 3);
                            String priority = priorities[from / 4 % 3];
                            try {
                                HttpResponse<String> answer = post(first, ids, priority, null);
                                if (answer.statusCode() == 200) {
                                    acknowledged.put(
                                            json(answer).get("ingestion_id").asString(), ids);
                                }
                            } catch (IOException e) {
                                // the process died under this request: it was never acknowledged
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    },
                    "sender-" + t);
            sender.setDaemon(true);
            sender.start();
            senders.add(sender);
        }
        ServiceProcess.pause(Duration.ofSeconds(2));
        first.kill(); // while the senders are still sending
        sending.set(false);
        for (Thread sender : senders) {
            sender.join(Duration.ofSeconds(15).toMillis());
            assertThat(sender.isAlive()).as("%s stopped", sender.getName()).isFalse();
        }
        System.out.printf("%d ingestions acknowledged before the kill%n", acknowledged.size());
        assertThat(acknowledged.size()).as("ingestions acknowledged in 2 s").isGreaterThanOrEqualTo(20);

        ServiceProcess second = children.start("second", folder, env);
        List<String> lost = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> ingestion : acknowledged.entrySet()) {
            HttpResponse<String> answer = get(second, "/status/" + ingestion.getKey());
            if (answer.statusCode() != 200) {
                lost.add(ingestion.getKey() + " " + ingestion.getValue() + ": " + answer.statusCode() + " "
                        + answer.body());
                continue;
            }
            JsonNode status = json(answer);
            assertThat(status.get("ingestion_id").asString()).isEqualTo(ingestion.getKey());
            assertThat(status.get("batches").values().stream()
                            .flatMap(batch -> batch.get("ids").values().stream().map(JsonNode::asInt))
                            .toList())
                    .as("ids of acknowledged ingestion %s", ingestion.getKey())
                    .containsExactlyElementsOf(ingestion.getValue());
        }
        assertThat(lost)
                .as("acknowledged ingestions missing after the restart, of %d", acknowledged.size())
                .isEmpty();
    }

    @Test
    void aSecondProcessOnTheSameDataFolderIsRefusedWithAClearMessage() {
        Map<String, String> env = ServiceProcess.Children.env(folder);
        ServiceProcess first = children.start("first", folder, env);

        ServiceProcess second = children.launch("second", folder, env);
        Integer exitCode = second.awaitExit(ServiceProcess.START_DEADLINE);

        assertThat(exitCode)
                .as("exit code of the second process (null: still running)")
                .isNotNull()
                .isNotZero();
        assertThat(second.output()).contains("already in use by another process");
        assertThat(first.healthStatus()).as("/health of the first process").isEqualTo(200);
    }

    // ---- slots ----------------------------------------------------------------------------

    /**
     * The starts after the restart are one slot (1 s) apart at least. Only a batch's first start
     * is in /status, so a re-run's start is not visible; it still takes a slot, which shows in
     * the next first start: {@code n} positions later means at least {@code n} slots later. The
     * first start after the restart cannot be before the kill.
     */
    private static void assertSlots(List<Batch> inSpecOrder, Instant killed) {
        Instant lastKnown = killed.minus(ONE_SLOT);
        int lastKnownPosition = 0;
        for (int position = 1; position <= inSpecOrder.size(); position++) {
            Batch batch = inSpecOrder.get(position - 1);
            if (batch.startedAt().isBefore(killed)) {
                continue; // a re-run: its own start is not shown
            }
            Duration slots = ONE_SLOT.multipliedBy(position - lastKnownPosition);
            assertThat(Duration.between(lastKnown, batch.startedAt()))
                    .as(
                            "start of %s, %d position(s) after the start at %s",
                            batch, position - lastKnownPosition, lastKnown)
                    .isGreaterThanOrEqualTo(slots);
            lastKnown = batch.startedAt();
            lastKnownPosition = position;
        }
    }

    // ---- HTTP -----------------------------------------------------------------------------

    /** @param idempotencyKey sent as the Idempotency-Key header, when not null */
    private Sent ingest(
            ServiceProcess service,
            String label,
            String priority,
            int creationOrder,
            List<Integer> ids,
            String idempotencyKey)
            throws IOException, InterruptedException {
        HttpResponse<String> answer = post(service, ids, priority, idempotencyKey);
        assertThat(answer.statusCode())
                .as("POST /ingest %s: %s", label, answer.body())
                .isEqualTo(200);
        return new Sent(label, json(answer).get("ingestion_id").asString(), priority, creationOrder, ids);
    }

    private Sent ingest(ServiceProcess service, String label, String priority, int creationOrder, List<Integer> ids)
            throws IOException, InterruptedException {
        return ingest(service, label, priority, creationOrder, ids, null);
    }

    private HttpResponse<String> post(ServiceProcess service, List<Integer> ids, String priority, String idempotencyKey)
            throws IOException, InterruptedException {
        String body = "{\"ids\": " + ids + ", \"priority\": \"" + priority + "\"}";
        HttpRequest.Builder request = HttpRequest.newBuilder(service.uri("/ingest"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(ServiceProcess service, String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(service.uri(path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private List<Batch> statusOf(ServiceProcess service, Sent ingestion) throws IOException, InterruptedException {
        HttpResponse<String> answer = get(service, "/status/" + ingestion.id());
        assertThat(answer.statusCode())
                .as("GET /status of %s: %s", ingestion.label(), answer.body())
                .isEqualTo(200);
        List<JsonNode> batches = new ArrayList<>(json(answer).get("batches").values());
        List<Batch> result = new ArrayList<>();
        int from = 0;
        for (int index = 0; index < batches.size(); index++) {
            JsonNode batch = batches.get(index);
            List<Integer> ids =
                    batch.get("ids").values().stream().map(JsonNode::asInt).toList();
            assertThat(ids)
                    .as("ids of batch %d of %s", index, ingestion.label())
                    .isEqualTo(ingestion
                            .ids()
                            .subList(from, Math.min(from + 3, ingestion.ids().size())));
            from += ids.size();
            result.add(new Batch(
                    ingestion,
                    index,
                    batch.get("batch_id").asString(),
                    ids,
                    batch.get("status").asString(),
                    instant(batch.get("started_at")),
                    instant(batch.get("completed_at"))));
        }
        assertThat(from)
                .as("ids in the batches of %s", ingestion.label())
                .isEqualTo(ingestion.ids().size());
        return result;
    }

    private Map<String, Batch> batchesById(ServiceProcess service, List<Sent> sent)
            throws IOException, InterruptedException {
        Map<String, Batch> byId = new HashMap<>();
        for (Sent ingestion : sent) {
            statusOf(service, ingestion).forEach(b -> byId.put(b.batchId(), b));
        }
        return byId;
    }

    private static JsonNode json(HttpResponse<String> answer) {
        return JsonMapper.shared().readTree(answer.body());
    }

    private static Instant instant(JsonNode node) {
        return node == null || node.isNull() ? null : Instant.parse(node.asString());
    }

    private static List<Integer> range(int first, int last) {
        return IntStream.rangeClosed(first, last).boxed().collect(Collectors.toList());
    }

    // ---- polling --------------------------------------------------------------------------

    @FunctionalInterface
    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(String what, Duration deadline, Condition condition) throws Exception {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline + ": " + what);
            }
            ServiceProcess.pause(Duration.ofMillis(100));
        }
    }

    // ---- values ---------------------------------------------------------------------------

    private record Sent(String label, String id, String priority, int creationOrder, List<Integer> ids) {

        int priorityRank() {
            return List.of("HIGH", "MEDIUM", "LOW").indexOf(priority);
        }
    }

    private record Batch(
            Sent ingestion,
            int index,
            String batchId,
            List<Integer> ids,
            String status,
            Instant startedAt,
            Instant completedAt) {

        /** Priority, then the earlier ingestion, then batch order: the order of starts in the spec. */
        static final Comparator<Batch> SPEC_ORDER = Comparator.<Batch>comparingInt(
                        b -> b.ingestion().priorityRank())
                .thenComparingInt(b -> b.ingestion().creationOrder())
                .thenComparingInt(Batch::index);

        @Override
        public String toString() {
            return ingestion.label() + index + ids + " " + status + " started " + startedAt + " completed "
                    + completedAt;
        }
    }
}
