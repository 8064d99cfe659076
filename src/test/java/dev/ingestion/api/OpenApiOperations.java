package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;

/**
 * Every operation the service's OpenAPI document declares, with its parameters by place: the
 * hostile run walks these, so an endpoint added later is attacked without a test naming it.
 */
record OpenApiOperations(List<Operation> all) {

    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch");

    record Operation(
            String method,
            String path,
            List<String> pathParameters,
            List<String> queryParameters,
            List<String> headerParameters,
            boolean takesBody) {}

    static OpenApiOperations of(JsonNode document) {
        List<Operation> operations = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> entry : path.getValue().properties()) {
                if (!METHODS.contains(entry.getKey())) {
                    continue;
                }
                JsonNode operation = entry.getValue();
                List<String> inPath = new ArrayList<>();
                List<String> inQuery = new ArrayList<>();
                List<String> inHeader = new ArrayList<>();
                for (JsonNode parameter : operation.path("parameters")) {
                    String name = parameter.path("name").asString();
                    switch (parameter.path("in").asString()) {
                        case "path" -> inPath.add(name);
                        case "query" -> inQuery.add(name);
                        case "header" -> inHeader.add(name);
                        default -> {
                            // cookies: none declared, and none the service reads
                        }
                    }
                }
                operations.add(new Operation(
                        entry.getKey().toUpperCase(Locale.ROOT),
                        path.getKey(),
                        inPath,
                        inQuery,
                        inHeader,
                        operation.has("requestBody")));
            }
        }
        assertThat(operations).as("operations in the OpenAPI document").isNotEmpty();
        return new OpenApiOperations(List.copyOf(operations));
    }
}
