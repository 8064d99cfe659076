package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service as a client sees it: plain HTTP/1.1 requests from the JDK client, answers kept as
 * status, Content-Type and text, read as JSON on demand.
 */
final class ApiClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    private final URI base;

    ApiClient(int port) {
        this.base = URI.create("http://localhost:" + port);
    }

    /** {@code POST /ingest} with {@code Content-Type: application/json}. */
    Reply ingest(String body) {
        return post("/ingest", "application/json", body);
    }

    /** {@code headers}: more headers to send, as name, value, name, value... */
    Reply post(String path, String contentType, String body, String... headers) {
        HttpRequest.Builder request = request(path).header("Content-Type", contentType);
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.POST(BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    /** The JDK client adds no Content-Type of its own, so this request has none at all. */
    Reply postWithoutContentType(String path, String body) {
        return send(request(path).POST(BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    /** A body of unknown length: sent chunked, with no Content-Length for the server to check first. */
    Reply postChunked(String path, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return send(request(path)
                .header("Content-Type", contentType)
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))));
    }

    Reply get(String path) {
        return send(request(path).GET());
    }

    /** {@code headers}: as name, value, name, value... */
    Reply get(String path, String... headers) {
        return send(request(path).headers(headers).GET());
    }

    Reply send(String method, String path) {
        return send(request(path).method(method, BodyPublishers.noBody()));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT);
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            var response = http.send(request.build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Reply(int status, String contentType, String body) {

        JsonNode json() {
            assertThat(contentType).as("Content-Type of %s", body).startsWith("application/");
            assertThat(contentType).as("Content-Type").contains("json");
            return JsonMapper.shared().readTree(body);
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + body;
        }
    }

    /**
     * Asserts that {@code actual} holds everything {@code expected} does: the same scalars, arrays
     * of the same length element by element, objects with at least the expected properties (the
     * API may add fields, never rename or drop them).
     */
    static void assertJsonContains(JsonNode actual, String expected) {
        assertContains(actual, JsonMapper.shared().readTree(expected), "$");
    }

    private static void assertContains(JsonNode actual, JsonNode expected, String path) {
        assertThat(actual).as("%s is missing", path).isNotNull();
        if (expected.isObject()) {
            assertThat(actual.isObject())
                    .as("%s should be an object, is %s", path, actual)
                    .isTrue();
            for (Map.Entry<String, JsonNode> property : expected.properties()) {
                assertThat(actual.has(property.getKey()))
                        .as("%s.%s is missing from %s", path, property.getKey(), actual)
                        .isTrue();
                assertContains(actual.get(property.getKey()), property.getValue(), path + "." + property.getKey());
            }
        } else if (expected.isArray()) {
            assertThat(actual.isArray())
                    .as("%s should be an array, is %s", path, actual)
                    .isTrue();
            assertThat(actual.size()).as("length of %s: %s", path, actual).isEqualTo(expected.size());
            Iterator<JsonNode> want = expected.iterator();
            for (int i = 0; want.hasNext(); i++) {
                assertContains(actual.get(i), want.next(), path + "[" + i + "]");
            }
        } else if (expected.isNumber()) {
            assertThat(actual.isNumber())
                    .as("%s should be a number, is %s", path, actual)
                    .isTrue();
            assertThat(actual.decimalValue()).as(path).isEqualByComparingTo(expected.decimalValue());
        } else {
            assertThat(actual).as(path).isEqualTo(expected);
        }
    }
}
