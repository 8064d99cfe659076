package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** INGEST_ACCEPT_STATUS, for clients written against the Django implementation (201) or expecting 202 Accepted. */
class AcceptedWith202Test extends ServiceOnH2 {

    @DynamicPropertySource
    static void acceptStatus(DynamicPropertyRegistry registry) {
        registry.add("ingest.accept-status", () -> "202");
    }

    @Test
    void aStoredIngestionIsAnsweredWithTheStatusConfigured() throws Exception {
        HttpResponse<String> answer = AcceptedAnswerTest.post(port);

        assertThat(answer.statusCode()).isEqualTo(202);
        AcceptedAnswerTest.assertLocationLeadsToTheStatus(answer, port);
    }
}
