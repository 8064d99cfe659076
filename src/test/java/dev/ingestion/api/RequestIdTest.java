package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import com.zaxxer.hikari.HikariDataSource;

/** Every answer carries an X-Request-Id, and so do the log lines written while answering it. */
@ExtendWith(OutputCaptureExtension.class)
class RequestIdTest extends ServiceOnH2 {

    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    HikariDataSource dataSource;

    HttpResponse<String> send(String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyAnswerCarriesANewRequestIdAndNosniffWhenTheClientSentNone() throws Exception {
        for (HttpResponse<String> answer : java.util.List.of(
                send("POST", "/ingest", "{\"ids\": [1], \"priority\": \"HIGH\"}"),
                send("POST", "/ingest", "{\"ids\": [1.5], \"priority\": \"HIGH\"}"),
                send("GET", "/status/not-an-id", null),
                send("GET", "/no/such/path", null),
                send("GET", "/health", null))) {
            assertThat(answer.headers().firstValue("X-Request-Id"))
                    .as("X-Request-Id of a %d answer", answer.statusCode())
                    .hasValueSatisfying(id -> assertThat(id).matches("[0-9a-f]{16}"));
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
    }

    @Test
    void aSaneRequestIdIsEchoedAndAnInsaneOneReplaced() throws Exception {
        assertThat(send("GET", "/health", null, "X-Request-Id", "client-42.a:b")
                        .headers()
                        .firstValue("X-Request-Id"))
                .hasValue("client-42.a:b");
        for (String insane : new String[] {"x".repeat(65), "two words", "quote\"d", "<script>"}) {
            assertThat(send("GET", "/health", null, "X-Request-Id", insane)
                            .headers()
                            .firstValue("X-Request-Id"))
                    .as("answer to X-Request-Id %s", insane)
                    .hasValueSatisfying(id -> assertThat(id).matches("[0-9a-f]{16}"));
        }
    }

    @Test
    void theLogLinesOfARequestCarryItsIdAndOthersNoEmptyBrackets(CapturedOutput output) throws Exception {
        dataSource.close(); // the next ingest is answered 503, with a warning in the log

        HttpResponse<String> answer =
                send("POST", "/ingest", "{\"ids\": [1], \"priority\": \"HIGH\"}", "X-Request-Id", "trace-me-7");

        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(output.getOut().lines().filter(line -> line.contains("store unavailable")))
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line).contains("[trace-me-7]"));
        assertThat(output.getOut()).doesNotContain("[] ");
    }
}
