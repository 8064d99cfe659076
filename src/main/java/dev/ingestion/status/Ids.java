package dev.ingestion.status;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import dev.ingestion.web.ApiException;

public final class Ids {

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Ids() {}

    /** A malformed id names no ingestion, so it is answered like an unknown one: 404. */
    public static UUID ingestionId(String text) {
        return Optional.of(text)
                .filter(t -> UUID_TEXT.matcher(t).matches())
                .map(UUID::fromString)
                .orElseThrow(() -> ApiException.notFound("Ingestion"));
    }

    /** Stable and unique without being stored: derived from the ingestion and the batch index. */
    public static UUID batchId(UUID ingestionId, int index) {
        return UUID.nameUUIDFromBytes((ingestionId + "/" + index).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
