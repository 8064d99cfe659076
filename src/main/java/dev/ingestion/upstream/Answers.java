package dev.ingestion.upstream;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/** What an HTTP answer means: its status as an outcome, its body as records. */
public final class Answers {

    /** Decimals are kept as written ({@code 1.10} stays {@code 1.10}), not rounded through a double. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private static final Pattern SECONDS = Pattern.compile("\\d{1,18}");
    private static final Pattern CHARSET = Pattern.compile("(?i);\\s*charset=\"?([^\";\\s]+)");

    private Answers() {}

    /** A status other than 2xx: 408, 429 and 5xx are worth another try, the rest are not. */
    static Outcome ofStatus(int status, Optional<String> retryAfterHeader, Clock clock) {
        Outcome.Failure failure = new Outcome.Failure("http", status, "HTTP " + status + " from the upstream");
        if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
            Duration retryAfter =
                    retryAfterHeader.map(text -> retryAfter(text, clock)).orElse(null);
            boolean throttled = status == 429 || (status == 503 && retryAfter != null);
            return new Outcome.Transient(failure, retryAfter, throttled);
        }
        return new Outcome.Final(failure);
    }

    /**
     * {@code Retry-After} as delay-seconds or an HTTP date (RFC 1123), turned into a wait from the
     * clock's now; a date already past is no wait. Anything else is ignored (null), since a header
     * we cannot read should not stall a retry.
     */
    public static Duration retryAfter(String text, Clock clock) {
        String value = text.strip();
        if (SECONDS.matcher(value).matches()) {
            return Duration.ofSeconds(Long.parseLong(value));
        }
        try {
            Duration wait = Duration.between(
                    clock.instant(),
                    ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME)
                            .toInstant());
            return wait.isNegative() ? Duration.ZERO : wait;
        } catch (DateTimeParseException malformed) {
            return null;
        }
    }

    /** The body's text in the charset its {@code Content-Type} names, else UTF-8. */
    static String text(byte[] body, Optional<String> contentType) {
        Charset charset = StandardCharsets.UTF_8;
        Matcher named = CHARSET.matcher(contentType.orElse(""));
        if (named.find()) {
            try {
                charset = Charset.forName(named.group(1));
            } catch (IllegalArgumentException unknown) {
                // an unknown charset is read as UTF-8, the JSON default
            }
        }
        String text = new String(body, charset);
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** A 2xx body as a record: compact JSON if it is JSON, else the text as a JSON string. */
    static String record(String text) {
        JsonNode node = parse(text);
        return JSON.writeValueAsString(node != null ? node : text);
    }

    static String compact(JsonNode node) {
        return JSON.writeValueAsString(node);
    }

    /**
     * An {@code {ids}} answer's records by id: an array of objects carrying their {@code id} (a
     * number or a numeric string), or an object keyed by id. Entries naming no id are skipped; the
     * first record of an id wins.
     *
     * @throws IllegalArgumentException when the answer is neither, with a message to show
     */
    static Map<Integer, JsonNode> byId(String text) {
        JsonNode answer = parse(text);
        Map<Integer, JsonNode> records = new HashMap<>();
        if (answer != null && answer.isArray()) {
            for (JsonNode record : answer.values()) {
                Integer id = record.isObject() ? id(record.get("id")) : null;
                if (id != null) {
                    records.putIfAbsent(id, record);
                }
            }
        } else if (answer != null && answer.isObject()) {
            for (Map.Entry<String, JsonNode> entry : answer.properties()) {
                Integer id = id(entry.getKey());
                if (id != null) {
                    records.putIfAbsent(id, entry.getValue());
                }
            }
        } else {
            throw new IllegalArgumentException(
                    answer == null
                            ? "the upstream's answer is not JSON"
                            : "the upstream's answer is neither an array of records nor an object keyed by id");
        }
        return records;
    }

    /** {@code 10s}, {@code 200ms}: for failure messages. */
    static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    /** {@code 1MB}, {@code 2KB}, {@code 1500 bytes}: for failure messages. */
    static String size(long bytes) {
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + "MB";
        }
        return bytes % 1024 == 0 ? bytes / 1024 + "KB" : bytes + " bytes";
    }

    private static Integer id(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToInt() ? node.intValue() : null;
        }
        return node.isString() ? id(node.asString()) : null;
    }

    private static Integer id(String text) {
        try {
            return text.matches("-?\\d{1,10}") ? Integer.valueOf(text) : null;
        } catch (NumberFormatException outOfRange) {
            return null;
        }
    }

    private static JsonNode parse(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node.isMissingNode() ? null : node;
        } catch (JacksonException notJson) {
            return null;
        }
    }
}
