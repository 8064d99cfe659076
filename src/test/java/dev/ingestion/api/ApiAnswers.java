package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.ingestion.api.ApiClient.Reply;
import tools.jackson.databind.JsonNode;

/** What the API's answers must look like, and the request bodies the tests send. */
final class ApiAnswers {

    private ApiAnswers() {}

    /** The id of a 200 answer to {@code POST /ingest}: its one field, a UUID in canonical form. */
    static UUID acceptedId(Reply reply) {
        assertThat(reply.status()).as("%s", reply).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("application/json");
        JsonNode json = reply.json();
        assertThat(json.propertyNames()).as("%s", reply).containsExactly("ingestion_id");
        String id = json.get("ingestion_id").asString();
        assertThat(UUID.fromString(id).toString()).isEqualTo(id);
        assertThat(UUID.fromString(id).version()).as("time-ordered").isEqualTo(7);
        return UUID.fromString(id);
    }

    /** An error answer: the status, and a JSON body with a short {@code error} and nothing but details. */
    static JsonNode assertError(Reply reply, int status) {
        assertThat(reply.status()).as("%s", reply).isEqualTo(status);
        JsonNode json = reply.json();
        assertThat(json.isObject()).as("%s", reply).isTrue();
        assertThat(json.path("error").isString()).as("error of %s", reply).isTrue();
        assertThat(json.get("error").asString()).isNotBlank();
        assertThat(json.propertyNames()).as("fields of %s", reply).isSubsetOf("error", "details");
        return json;
    }

    /** A 400 {"error": "Invalid input"} whose details name exactly {@code fields}, each with a reason. */
    static void assertInvalidInput(Reply reply, String... fields) {
        JsonNode json = assertError(reply, 400);
        assertThat(json.get("error").asString()).isEqualTo("Invalid input");
        JsonNode details = json.get("details");
        assertThat(details).as("details of %s", reply).isNotNull();
        assertThat(details.propertyNames()).as("details of %s", reply).containsExactlyInAnyOrder(fields);
        details.forEach(
                reason -> assertThat(reason.isString() && !reason.asString().isBlank())
                        .as("reason in %s", reply)
                        .isTrue());
    }

    static String body(int[] ids, String priority) {
        return IntStream.of(ids)
                .mapToObj(Integer::toString)
                .collect(Collectors.joining(", ", "{\"ids\": [", "], \"priority\": \"" + priority + "\"}"));
    }

    /** {@code json} followed by whitespace up to exactly {@code size} bytes: still the same JSON. */
    static String padded(String json, int size) {
        return json + " ".repeat(size - json.length());
    }
}
