package dev.ingestion.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.ingestion.IngestionApplication;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * PostgreSQL goes away and comes back on the same port and data: the instance answers 503 while
 * it is gone, stores nothing, and recovers by itself, losing nothing it had accepted.
 */
class PostgresOutageTest {

    @TempDir
    Path dataDirectory;

    EmbeddedPostgres postgres;
    ConfigurableApplicationContext instance;
    final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void tearDown() throws IOException {
        if (instance != null) {
            instance.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void whilePostgresIsDownEverythingAnswers503AndWhenItReturnsTheInstanceRecoversLosingNothing() throws Exception {
        int pgPort = freePort();
        postgres = startPostgres(pgPort);
        instance = new SpringApplicationBuilder(IngestionApplication.class)
                .run(
                        "--server.port=0",
                        "--ingest.db-url=" + postgres.getJdbcUrl("postgres", "postgres"),
                        "--ingest.interval=200ms",
                        "--ingest.upstream-delay=50ms");
        String before = ingestionId(post("{\"ids\": [1, 2, 3, 4], \"priority\": \"HIGH\"}"));
        awaitCompleted(before);

        postgres.close();
        postgres = null;
        await().atMost(Duration.ofSeconds(20)).until(() -> get("/health").statusCode() == 503);
        HttpResponse<String> refused = post("{\"ids\": [5], \"priority\": \"HIGH\"}");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(json(refused).get("error").asString()).isEqualTo("Store unavailable");

        postgres = startPostgres(pgPort);
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/health").statusCode() == 200);
        String after = ingestionId(post("{\"ids\": [6, 7, 8, 9], \"priority\": \"LOW\"}"));
        awaitCompleted(after);
        assertThat(json(get("/status/" + before)).get("status").asString()).isEqualTo("completed");
        assertThat(json(get("/ingestions/" + after + "/records")).get("records").findValuesAsString("state"))
                .containsExactly("fetched", "fetched", "fetched", "fetched");
    }

    private EmbeddedPostgres startPostgres(int port) throws IOException {
        return EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .start();
    }

    private void awaitCompleted(String id) {
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "completed"
                        .equals(json(get("/status/" + id)).get("status").asString()));
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri("/ingest"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:"
                + ((WebServerApplicationContext) instance).getWebServer().getPort() + path);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JsonMapper.shared().readTree(response.body());
    }

    private static String ingestionId(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response).get("ingestion_id").asString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
