package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import com.zaxxer.hikari.HikariDataSource;

/** With the store out of reach, every endpoint answers 503 in the API's error shape. */
class StoreUnavailableTest extends ServiceOnH2 {

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
