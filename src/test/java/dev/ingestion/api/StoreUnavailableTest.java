package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

/** With the store out of reach, every endpoint answers 503 in the API's error shape. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
class StoreUnavailableTest {

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("ingest.db-url", () -> TestStores.h2Url(folder));
    }

    @LocalServerPort
    int port;

    @Autowired
    HikariDataSource dataSource;

    @Test
    void everyEndpointAnswers503WhileTheStoreCannotBeReached() {
        ApiClient api = new ApiClient(port);
        ApiClient.Reply accepted = api.ingest("{\"ids\": [1], \"priority\": \"HIGH\"}");
        assertThat(accepted.status()).isEqualTo(200);
        String id = accepted.json().get("ingestion_id").asString();
        assertThat(api.get("/health").status()).isEqualTo(200);

        dataSource.close(); // every connection attempt now fails

        ApiClient.Reply ingest = api.ingest("{\"ids\": [2], \"priority\": \"HIGH\"}");
        assertThat(ingest.status()).isEqualTo(503);
        assertThat(ingest.json().get("error").asString()).isEqualTo("Store unavailable");
        assertThat(ingest.body()).doesNotContain("Exception");
        ApiClient.Reply status = api.get("/status/" + id);
        assertThat(status.status()).isEqualTo(503);
        assertThat(status.json().get("error").asString()).isEqualTo("Store unavailable");
        ApiClient.Reply health = api.get("/health");
        assertThat(health.status()).isEqualTo(503);
        assertThat(health.json().get("status").asString()).isEqualTo("DOWN");
    }
}
