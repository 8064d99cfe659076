package dev.ingestion.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.IngestionApplication;
import dev.ingestion.support.TestStores;
import dev.ingestion.webhooks.Receiver;
import dev.ingestion.webhooks.Signatures;

/**
 * Two instances on one PostgreSQL, both delivering webhooks: each event reaches the receiver once
 * (the claim's lease lets one instance attempt it), whichever instance stored or completed it.
 */
class ClusterWebhooksTest {

    static final String SECRET = Signatures.newSecret();
    static final int INGESTIONS = 30;

    static HikariDataSource database;
    static Receiver receiver;
    static final List<ConfigurableApplicationContext> instances = new ArrayList<>();
    static final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void startTwoInstances() {
        database = TestStores.postgres();
        receiver = Receiver.start(SECRET);
        for (int i = 0; i < 2; i++) {
            instances.add(new SpringApplicationBuilder(IngestionApplication.class)
                    .run(
                            "--server.port=0",
                            "--ingest.db-url=" + database.getJdbcUrl(),
                            "--ingest.db-user=postgres",
                            "--ingest.interval=100ms",
                            "--ingest.upstream-delay=10ms",
                            "--ingest.webhook.secret=" + SECRET,
                            "--ingest.webhook.allow-private=true"));
        }
    }

    @AfterAll
    static void stop() {
        instances.forEach(ConfigurableApplicationContext::close);
        receiver.close();
        database.close();
    }

    @Test
    void eachEventIsDeliveredOnceAcrossTwoInstances() throws Exception {
        for (int i = 0; i < INGESTIONS; i++) {
            int port = ((WebServerApplicationContext) instances.get(i % 2))
                    .getWebServer()
                    .getPort();
            String body = "{\"ids\": [" + (3 * i + 1) + ", " + (3 * i + 2) + ", " + (3 * i + 3) + ", " + (3 * i + 4)
                    + "], \"priority\": \"MEDIUM\", \"callback_url\": \"" + receiver.url("/cluster")
                    + "\", \"callback_events\": [\"batch.completed\", \"ingestion.completed\"]}";
            HttpResponse<String> answer = http.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/ingest"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        }
        int events = INGESTIONS * 3; // two batches and the ingestion's completion each

        receiver.awaitDeliveries("/cluster", events, Duration.ofSeconds(60));
        // Once every delivery is settled as delivered, none can be claimed or attempted again: what
        // the receiver holds then is all it will ever get.
        JdbcClient jdbc = JdbcClient.create(database);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.sql(
                                        "SELECT COUNT(*) FROM webhook_delivery WHERE state = 'delivered' AND lease_owner IS NULL")
                                .query(Integer.class)
                                .single()
                        == events);

        List<Receiver.Delivery> all = receiver.awaitDeliveries("/cluster", events, Duration.ZERO);
        Map<String, Long> byId =
                all.stream().collect(Collectors.groupingBy(Receiver.Delivery::webhookId, Collectors.counting()));
        assertThat(byId).hasSize(events);
        assertThat(byId.values()).containsOnly(1L);
        assertThat(all)
                .allSatisfy(delivery ->
                        assertThat(delivery.verified()).as("%s", delivery).isTrue());
    }
}
