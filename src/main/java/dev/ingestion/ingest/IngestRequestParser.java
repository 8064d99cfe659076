package dev.ingestion.ingest;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;

import dev.ingestion.queue.Priority;
import dev.ingestion.web.ApiException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads {@code {"ids": [...], "priority": "..."}} token by token. Ids are checked as JSON
 * integers, never coerced from floats or strings, and go straight into an {@code int[]}, so a
 * million-id request costs no boxed list and no tree.
 */
final class IngestRequestParser {

    static final long MAX_ID = 1_000_000_007L;
    private static final String IDS_SHAPE = "must be a non-empty list of integers between 1 and " + MAX_ID;
    private static final String PRIORITY_SHAPE = "must be one of HIGH, MEDIUM, LOW";

    private final int maxIds;

    IngestRequestParser(int maxIds) {
        this.maxIds = maxIds;
    }

    record IngestRequest(int[] ids, Priority priority) {}

    IngestRequest parse(byte[] body) {
        Map<String, String> problems = new LinkedHashMap<>();
        int[] ids = null;
        Priority priority = null;
        try (JsonParser parser = JsonMapper.shared().createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw ApiException.invalid(Map.of("body", "is empty; expected a JSON object"));
            }
            if (first != JsonToken.START_OBJECT) {
                throw ApiException.invalid(Map.of("body", "must be a JSON object"));
            }
            boolean sawIds = false;
            boolean sawPriority = false;
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (name) {
                    case "ids" -> {
                        sawIds = true;
                        ids = readIds(parser, value, problems);
                    }
                    case "priority" -> {
                        sawPriority = true;
                        priority = readPriority(parser, value, problems);
                    }
                    default -> parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw ApiException.invalid(Map.of("body", "malformed JSON: content after the object"));
            }
            if (!sawIds) {
                problems.put("ids", "is required; " + IDS_SHAPE);
            }
            if (!sawPriority) {
                problems.put("priority", "is required; " + PRIORITY_SHAPE);
            }
        } catch (JacksonException e) {
            throw ApiException.invalid(Map.of("body", "malformed JSON"));
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(problems);
        }
        return new IngestRequest(ids, priority);
    }

    private int[] readIds(JsonParser parser, JsonToken value, Map<String, String> problems) {
        if (value != JsonToken.START_ARRAY) {
            problems.put("ids", IDS_SHAPE + ", got " + describe(parser, value));
            parser.skipChildren();
            return null;
        }
        int[] ids = new int[16];
        int count = 0;
        String problem = null;
        for (JsonToken token = nextId(parser, count); token != JsonToken.END_ARRAY; token = nextId(parser, count)) {
            if (count == maxIds) {
                throw new ApiException(
                        HttpStatus.CONTENT_TOO_LARGE,
                        "Too many ids",
                        Map.of("ids", "at most " + maxIds + " ids per request"));
            }
            if (problem == null) {
                problem = checkId(parser, token, count);
                if (problem == null) {
                    if (count == ids.length) {
                        ids = Arrays.copyOf(ids, count * 2);
                    }
                    ids[count] = parser.getIntValue();
                }
            }
            parser.skipChildren();
            count++;
        }
        if (count == 0) {
            problems.put("ids", "must not be empty");
            return null;
        }
        if (problem != null) {
            problems.put("ids", problem);
            return null;
        }
        return Arrays.copyOf(ids, count);
    }

    /** The next element of ids; a number too long for the parser is an id out of range, not malformed JSON. */
    private static JsonToken nextId(JsonParser parser, int index) {
        try {
            return parser.nextToken();
        } catch (StreamConstraintsException e) {
            throw ApiException.invalid(
                    Map.of("ids", "ids[" + index + "] is out of range; each id must be between 1 and " + MAX_ID));
        }
    }

    private static String checkId(JsonParser parser, JsonToken token, int index) {
        if (token != JsonToken.VALUE_NUMBER_INT) {
            return "ids[" + index + "] must be an integer, got " + describe(parser, token);
        }
        boolean inRange = parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                && parser.getLongValue() >= 1
                && parser.getLongValue() <= MAX_ID;
        return inRange
                ? null
                : "ids[" + index + "] = " + abbreviate(parser.getText())
                        + " is out of range; each id must be between 1 and " + MAX_ID;
    }

    private static Priority readPriority(JsonParser parser, JsonToken value, Map<String, String> problems) {
        if (value == JsonToken.VALUE_STRING) {
            String name = parser.getString();
            return Priority.parse(name).orElseGet(() -> {
                problems.put("priority", PRIORITY_SHAPE + ", got \"" + abbreviate(name) + "\"");
                return null;
            });
        }
        problems.put("priority", PRIORITY_SHAPE + ", got " + describe(parser, value));
        parser.skipChildren();
        return null;
    }

    private static String describe(JsonParser parser, JsonToken token) {
        return switch (token) {
            case VALUE_NULL -> "null";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + abbreviate(parser.getText());
            case START_ARRAY -> "a list";
            case START_OBJECT -> "an object";
            default -> token.toString();
        };
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 37) + "...";
    }
}
