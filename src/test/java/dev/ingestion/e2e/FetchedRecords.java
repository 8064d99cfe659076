package dev.ingestion.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;

/** What both crash tests demand of every accepted ingestion in the end: every id fetched, in request order. */
final class FetchedRecords {

    private FetchedRecords() {}

    /** {@code records}: the answer of {@code GET /ingestions/{id}/records?limit=1000}. */
    static void assertEveryIdFetched(JsonNode records, List<Integer> ids, String label) {
        assertThat(records.get("total").asInt()).isEqualTo(ids.size());
        List<JsonNode> rows = new ArrayList<>(records.get("records").values());
        assertThat(rows)
                .extracting(r -> r.get("id").asInt())
                .as("record ids of %s", label)
                .containsExactlyElementsOf(ids);
        assertThat(rows)
                .extracting(r -> r.get("state").asString())
                .as("record states of %s", label)
                .containsOnly("fetched");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.get("data").get("id").asInt())
                    .as("data.id of %s", r)
                    .isEqualTo(r.get("id").asInt());
            assertThat(r.get("data").get("data").asString())
                    .as("data.data of %s", r)
                    .isEqualTo("processed");
        });
    }
}
