package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

/** What a stored ingestion is answered with: 200 and where to follow it, unless told otherwise. */
class AcceptedAnswerTest extends ServiceOnH2 {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> post(int port) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"ids\": [1, 2], \"priority\": \"LOW\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The Location of an answer leads to the ingestion's status. */
    static void assertLocationLeadsToTheStatus(HttpResponse<String> answer, int port) throws Exception {
        String id =
                JsonMapper.shared().readTree(answer.body()).get("ingestion_id").asString();
        assertThat(answer.headers().firstValue("Location")).hasValue("/status/" + id);
        HttpResponse<String> status = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port)
                                .resolve(answer.headers().firstValue("Location").orElseThrow()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);
    }

    @Test
    void aStoredIngestionIsAnswered200WithTheLocationOfItsStatus() throws Exception {
        HttpResponse<String> answer = post(port);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertLocationLeadsToTheStatus(answer, port);
    }
}
