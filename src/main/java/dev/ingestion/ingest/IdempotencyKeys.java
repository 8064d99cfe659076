package dev.ingestion.ingest;

import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpStatus;

import dev.ingestion.web.ApiException;

/**
 * Reads the {@code Idempotency-Key} header. The IETF draft makes it a structured-field string
 * ({@code "8e03978e-..."}, quoted); many clients send the bare value, so both are taken. A key is
 * 1 to 255 visible ASCII characters; one header only.
 */
final class IdempotencyKeys {

    static final int MAX_LENGTH = 255;

    private IdempotencyKeys() {}

    /** The key, or null when the request has none. */
    static String read(Enumeration<String> headers) {
        List<String> values = Collections.list(headers);
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            throw invalid("must be sent once");
        }
        String value = values.get(0).strip();
        String key;
        if (value.startsWith("\"")) {
            if (value.length() < 2 || !value.endsWith("\"")) {
                throw invalid("is not a valid quoted string");
            }
            key = unquote(value.substring(1, value.length() - 1));
        } else {
            key = value;
        }
        if (key.isEmpty() || key.length() > MAX_LENGTH) {
            throw invalid("must be 1 to " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw invalid("must be visible ASCII characters");
            }
        }
        return key;
    }

    /** A structured-field string escapes only {@code "} and {@code \}. */
    private static String unquote(String quoted) {
        StringBuilder key = new StringBuilder(quoted.length());
        for (int i = 0; i < quoted.length(); i++) {
            char c = quoted.charAt(i);
            if (c == '\\') {
                if (i + 1 == quoted.length() || (quoted.charAt(i + 1) != '"' && quoted.charAt(i + 1) != '\\')) {
                    throw invalid("is not a valid quoted string");
                }
                c = quoted.charAt(++i);
            } else if (c == '"') {
                throw invalid("is not a valid quoted string");
            }
            key.append(c);
        }
        return key.toString();
    }

    private static ApiException invalid(String why) {
        return new ApiException(HttpStatus.BAD_REQUEST, "Invalid input", Map.of(IngestController.IDEMPOTENCY_KEY, why));
    }
}
