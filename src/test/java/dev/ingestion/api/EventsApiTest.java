package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** GET /events over HTTP: the queue on connect and on change, and the batches a key may see. */
class EventsApiTest extends ServiceOnH2 {

    static final String TEAM = "team-secret-00000000001";
    static final String OTHER = "other-secret-0000000002";

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("ingest.access.api-keys", () -> "team:" + TEAM + ",other:" + OTHER);
        registry.add("ingest.interval", () -> "200ms");
        registry.add("ingest.upstream-delay", () -> "100ms");
    }

    record Event(String name, JsonNode data) {}

    /** Reads the stream on a thread of its own into a queue the test waits on. */
    BlockingQueue<Event> open(String secret) throws Exception {
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events"))
                                .header("X-API-Key", secret)
                                .build(),
                        HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            String name = null;
            for (String line : (Iterable<String>) response.body()::iterator) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:") && name != null) {
                    events.add(new Event(
                            name, JsonMapper.shared().readTree(line.substring(5).strip())));
                    name = null;
                }
            }
        });
        reader.setDaemon(true);
        reader.start();
        return events;
    }

    static Event next(BlockingQueue<Event> events, Predicate<Event> wanted, List<Event> seen) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            Event event = events.poll(100, TimeUnit.MILLISECONDS);
            if (event != null) {
                seen.add(event);
                if (wanted.test(event)) {
                    return event;
                }
            }
        }
        throw new AssertionError("no such event within 15 s; seen: " + seen);
    }

    @Test
    void aViewerGetsTheQueueAtOnceThenTheStartsAndCompletionsOfItsKeysIngestionsOnly() throws Exception {
        KeyedClient api = new KeyedClient(port);
        BlockingQueue<Event> events = open(TEAM);
        List<Event> seen = new ArrayList<>();
        Event first = next(events, e -> true, seen);
        assertThat(first.name()).isEqualTo("queue");
        assertThat(first.data().has("waiting")).isTrue();

        String others =
                KeyedClient.ingestionId(api.ingest("{\"ids\": [7], \"priority\": \"HIGH\"}", "X-API-Key", OTHER));
        String mine = KeyedClient.ingestionId(
                api.ingest("{\"ids\": [1, 2, 3, 4], \"priority\": \"LOW\"}", "X-API-Key", TEAM));

        Event started = next(
                events,
                e -> e.name().equals("batch")
                        && e.data().get("ingestion_id").asString().equals(mine),
                seen);
        assertThat(started.data().get("kind").asString()).isEqualTo("started");
        assertThat(started.data().get("batch_index").asInt()).isZero();
        assertThat(started.data().get("priority").asString()).isEqualTo("LOW");
        Event done = next(
                events,
                e -> e.name().equals("ingestion")
                        && e.data().get("ingestion_id").asString().equals(mine),
                seen);
        assertThat(done.data().get("kind").asString()).isEqualTo("completed");
        List<String> kinds = seen.stream()
                .filter(e -> !e.name().equals("queue"))
                .map(e -> e.data().get("kind").asString() + " "
                        + e.data().path("batch_index").asInt(-1))
                .toList();
        // batches may overlap (the upstream's answer can come after the next slot): each batch's
        // own events are in order, and the ingestion's completion comes last
        assertThat(kinds)
                .containsExactlyInAnyOrder("started 0", "completed 0", "started 1", "completed 1", "completed -1");
        assertThat(kinds.indexOf("started 0")).isLessThan(kinds.indexOf("completed 0"));
        assertThat(kinds.indexOf("started 1")).isLessThan(kinds.indexOf("completed 1"));
        assertThat(kinds.get(kinds.size() - 1)).isEqualTo("completed -1");
        assertThat(seen)
                .noneMatch(e -> e.data().path("ingestion_id").asString("").equals(others));
        assertThat(seen).filteredOn(e -> e.name().equals("queue")).hasSizeGreaterThan(1);
    }

    record Received(String id, String name, JsonNode data) {}

    /** An ingestion's stream read to its end: it closes after the ingestion's completion. */
    List<Received> readToTheEnd(String ingestionId, String secret, String lastEventId) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/status/" + ingestionId + "/events"))
                .timeout(Duration.ofSeconds(20))
                .header("X-API-Key", secret);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<Stream<String>> response =
                HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        List<Received> received = new ArrayList<>();
        String id = null;
        String name = null;
        for (String line : (Iterable<String>) response.body()::iterator) {
            if (line.startsWith("id:")) {
                id = line.substring(3).strip();
            } else if (line.startsWith("event:")) {
                name = line.substring(6).strip();
            } else if (line.startsWith("data:")) {
                received.add(new Received(
                        id, name, JsonMapper.shared().readTree(line.substring(5).strip())));
            }
        }
        return received;
    }

    static List<String> describe(List<Received> events) {
        return events.stream()
                .map(e -> e.id() + " " + e.name() + " "
                        + e.data().path("batch_index").asInt(-1) + " "
                        + e.data().get("status").asString())
                .toList();
    }

    @Test
    void anIngestionsStreamGivesEveryEventInOrderThenClosesAndResumesAfterTheLastIdSeen() throws Exception {
        KeyedClient api = new KeyedClient(port);
        String id = KeyedClient.ingestionId(
                api.ingest("{\"ids\": [5, 6, 7, 8], \"priority\": \"HIGH\"}", "X-API-Key", TEAM));

        List<Received> all = readToTheEnd(id, TEAM, null);

        assertThat(all).extracting(Received::id).containsExactly("1", "2", "3", "4", "5");
        assertThat(all.get(all.size() - 1).name()).isEqualTo("ingestion.completed");
        assertThat(all)
                .filteredOn(e -> e.name().equals("batch.started"))
                .extracting(e -> e.data().get("ids").toString())
                .containsExactlyInAnyOrder("[5,6,7]", "[8]");
        assertThat(all)
                .filteredOn(e -> e.name().equals("batch.completed"))
                .allSatisfy(e -> assertThat(e.data().get("status").asString()).isEqualTo("completed"));
        assertThat(all.get(0).data().get("batch_id").asString()).matches("[0-9a-f-]{36}");

        List<Received> resumed = readToTheEnd(id, TEAM, "3");
        assertThat(describe(resumed)).containsExactlyElementsOf(describe(all.subList(3, 5)));
    }

    /**
     * The answer's head is sent at once, before any event: a client following an ingestion that
     * waits behind others otherwise saw no response at all until the first heartbeat (15 s).
     */
    @Test
    void anIngestionsStreamIsAnsweredAtOnceWithAFirstCommentBeforeAnyEvent() throws Exception {
        // another key than the viewer's of the test above, which must see none of this
        KeyedClient api = new KeyedClient(port);
        String id = KeyedClient.ingestionId(api.ingest("{\"ids\": [9], \"priority\": \"LOW\"}", "X-API-Key", OTHER));
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status/" + id + "/events"))
                                .timeout(Duration.ofSeconds(5))
                                .header("X-API-Key", OTHER)
                                .build(),
                        HttpResponse.BodyHandlers.ofLines());

        assertThat(response.statusCode()).isEqualTo(200);
        try (Stream<String> lines = response.body()) {
            assertThat(lines.findFirst()).contains(":following");
        }
    }

    @Test
    void anotherKeysIngestionIsNotFoundAndAnOddLastEventIdIsRefused() throws Exception {
        KeyedClient api = new KeyedClient(port);
        String id = KeyedClient.ingestionId(api.ingest("{\"ids\": [1], \"priority\": \"LOW\"}", "X-API-Key", TEAM));

        assertThat(api.get("/status/" + id + "/events", "X-API-Key", OTHER).statusCode())
                .isEqualTo(404);
        assertThat(api.get("/status/" + id + "/events", "X-API-Key", TEAM, "Last-Event-ID", "x1")
                        .statusCode())
                .isEqualTo(400);
    }
}
