package dev.ingestion.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.springframework.http.HttpStatus;

import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Priority;
import dev.ingestion.store.Callback;
import dev.ingestion.web.ApiException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads {@code {"ids": [...], "priority": "..."}} token by token. Ids are checked as JSON
 * integers, never coerced from floats or strings, and go straight into an {@code int[]}, so a
 * million-id request costs no boxed list and no tree. A field given twice is refused, never
 * "the last one wins".
 */
final class IngestRequestParser {

    static final long MAX_ID = 1_000_000_007L;
    private static final String IDS_SHAPE = "must be a non-empty list of integers between 1 and " + MAX_ID;
    private static final String PRIORITY_SHAPE = "must be one of HIGH, MEDIUM, LOW";
    private static final String REPEATED = "is given more than once; a field may appear once";
    private static final Set<String> KNOWN = Set.of("ids", "priority", "callback_url", "callback_events");
    static final int MAX_CALLBACK_URL = 2048;
    private static final Set<EventKind> DEFAULT_CALLBACK_EVENTS = Set.of(EventKind.INGESTION_COMPLETED);
    private static final String CALLBACK_EVENTS_SHAPE =
            "must be a non-empty list of \"ingestion.completed\" and" + " \"batch.completed\"";
    private static final String BEYOND_LIMITS;

    static {
        StreamReadConstraints limits = JsonMapper.shared().tokenStreamFactory().streamReadConstraints();
        BEYOND_LIMITS = "is beyond what the service reads: nested more than " + limits.getMaxNestingDepth()
                + " levels deep, a number longer than " + limits.getMaxNumberLength()
                + " characters or a field name longer than " + limits.getMaxNameLength();
    }

    private final int maxIds;

    IngestRequestParser(int maxIds) {
        this.maxIds = maxIds;
    }

    /**
     * @param callbackUrl where webhooks go, as given (webhooks/CallbackAddresses checks it); null for none
     * @param callbackEvents the events sent there; null without a callback_url
     */
    record IngestRequest(int[] ids, Priority priority, String callbackUrl, Set<EventKind> callbackEvents) {}

    IngestRequest parse(byte[] body) {
        int notUtf8 = firstNonJsonByte(body);
        if (notUtf8 >= 0) {
            throw ApiException.invalid(Map.of(
                    "body",
                    "is not UTF-8 JSON: byte " + notUtf8 + (body[notUtf8] == 0 ? " is NUL" : " is not valid UTF-8")));
        }
        Map<String, String> problems = new LinkedHashMap<>();
        int[] ids = null;
        Priority priority = null;
        String callbackUrl = null;
        Set<EventKind> callbackEvents = null;
        try (JsonParser parser = JsonMapper.shared().createParser(body)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw ApiException.invalid(Map.of("body", "is empty; expected a JSON object"));
            }
            if (first != JsonToken.START_OBJECT) {
                throw ApiException.invalid(Map.of("body", "must be a JSON object"));
            }
            Set<String> seen = new HashSet<>();
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                boolean known = KNOWN.contains(name);
                if (!seen.add(name)) {
                    // Refused, not "the last one wins": a proxy that reads the last of two keys and
                    // a service that reads the first would each see a different request.
                    if (known) {
                        problems.put(name, REPEATED);
                    } else {
                        problems.putIfAbsent(
                                "body", "repeats the field \"" + abbreviate(name) + "\"; a field may appear once");
                    }
                    parser.skipChildren();
                    continue;
                }
                switch (name) {
                    case "ids" -> ids = readIds(parser, value, problems);
                    case "priority" -> priority = readPriority(parser, value, problems);
                    case "callback_url" -> callbackUrl = readCallbackUrl(parser, value, problems);
                    case "callback_events" -> callbackEvents = readCallbackEvents(parser, value, problems);
                    default -> parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw ApiException.invalid(Map.of("body", "malformed JSON: content after the object"));
            }
            if (!seen.contains("ids")) {
                problems.put("ids", "is required; " + IDS_SHAPE);
            }
            if (!seen.contains("priority")) {
                problems.put("priority", "is required; " + PRIORITY_SHAPE);
            }
            if (callbackEvents != null && !seen.contains("callback_url")) {
                problems.put("callback_events", "needs a callback_url to send them to");
            }
        } catch (StreamConstraintsException e) {
            throw ApiException.invalid(Map.of("body", BEYOND_LIMITS));
        } catch (JacksonException e) {
            throw ApiException.invalid(Map.of("body", "malformed JSON"));
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(problems);
        }
        if (callbackUrl != null && callbackEvents == null) {
            callbackEvents = DEFAULT_CALLBACK_EVENTS;
        }
        return new IngestRequest(ids, priority, callbackUrl, callbackEvents);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long HIGH_BITS = 0x8080808080808080L;
    private static final long LOW_BITS = 0x0101010101010101L;

    /**
     * Where the body stops being UTF-8 JSON can be, or -1: a NUL byte (never in JSON text, and
     * what makes Jackson take a body for UTF-16 or UTF-32) or a byte of no valid UTF-8 sequence
     * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). Jackson checks only
     * what it decodes, so bytes in the names and strings of fields it skips went unchecked, and
     * a body that is not JSON was taken. Eight ASCII bytes are checked at a time: a million ids
     * (11 MB) take about 1.5 ms.
     */
    static int firstNonJsonByte(byte[] body) {
        int i = 0;
        int n = body.length;
        while (i < n) {
            if (i + 8 <= n) {
                long word = (long) LONGS.get(body, i);
                boolean ascii = (word & HIGH_BITS) == 0;
                boolean nul = ((word - LOW_BITS) & ~word & HIGH_BITS) != 0;
                if (ascii && !nul) {
                    i += 8;
                    continue;
                }
            }
            int lead = body[i] & 0xFF;
            if (lead == 0) {
                return i;
            }
            if (lead < 0x80) {
                i++;
                continue;
            }
            int more;
            int low = 0x80;
            int high = 0xBF;
            if (lead >= 0xC2 && lead <= 0xDF) {
                more = 1;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                more = 2;
                low = lead == 0xE0 ? 0xA0 : low;
                high = lead == 0xED ? 0x9F : high;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                more = 3;
                low = lead == 0xF0 ? 0x90 : low;
                high = lead == 0xF4 ? 0x8F : high;
            } else {
                return i;
            }
            if (i + more >= n) {
                return i;
            }
            int second = body[i + 1] & 0xFF;
            if (second < low || second > high) {
                return i;
            }
            for (int k = 2; k <= more; k++) {
                if ((body[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            i += more + 1;
        }
        return -1;
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

    private static String readCallbackUrl(JsonParser parser, JsonToken value, Map<String, String> problems) {
        if (value != JsonToken.VALUE_STRING) {
            problems.put("callback_url", "must be an http or https URL, got " + describe(parser, value));
            parser.skipChildren();
            return null;
        }
        String url = parser.getString();
        if (url.length() > MAX_CALLBACK_URL) {
            problems.put("callback_url", "must be at most " + MAX_CALLBACK_URL + " characters long");
            return null;
        }
        return url;
    }

    private static Set<EventKind> readCallbackEvents(JsonParser parser, JsonToken value, Map<String, String> problems) {
        if (value != JsonToken.START_ARRAY) {
            problems.put("callback_events", CALLBACK_EVENTS_SHAPE + ", got " + describe(parser, value));
            parser.skipChildren();
            return null;
        }
        Set<EventKind> events = EnumSet.noneOf(EventKind.class);
        String problem = null;
        for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken()) {
            EventKind kind = token == JsonToken.VALUE_STRING ? sendable(parser.getString()) : null;
            if (kind == null && problem == null) {
                problem = CALLBACK_EVENTS_SHAPE + ", got "
                        + (token == JsonToken.VALUE_STRING
                                ? "\"" + abbreviate(parser.getString()) + "\""
                                : describe(parser, token));
            } else if (kind != null) {
                events.add(kind);
            }
            parser.skipChildren();
        }
        if (problem == null && events.isEmpty()) {
            problem = CALLBACK_EVENTS_SHAPE;
        }
        if (problem != null) {
            problems.put("callback_events", problem);
            return null;
        }
        return events;
    }

    private static EventKind sendable(String label) {
        for (EventKind kind : Callback.SENDABLE) {
            if (kind.label().equals(label)) {
                return kind;
            }
        }
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
