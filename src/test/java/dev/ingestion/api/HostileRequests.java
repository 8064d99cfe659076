package dev.ingestion.api;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

import dev.ingestion.api.Attack.Builder;
import dev.ingestion.api.Attack.Builder.Framing;
import dev.ingestion.api.Attack.Expect;

/**
 * Random and adversarial requests, each drawn from a seed of its own (so one failing case can be
 * run again alone), each with the answer the API's rules call for. Bodies of {@code POST /ingest}
 * are built from parts whose verdict is known (a good or bad ids list, priority, unknown fields,
 * repeated fields, broken numbers, deep nesting), then framed and sent in good and bad ways;
 * other requests probe the protocol (methods, targets, versions, headers) and every operation
 * the OpenAPI document declares.
 */
final class HostileRequests {

    static final long MAX_ID = 1_000_000_007L;
    /** Jackson's default; a document nested deeper is refused whole. */
    static final int MAX_DEPTH = 500;

    private final int maxIds;
    private final int maxBody;
    private final OpenApiOperations operations;
    private final String knownIngestion;
    private final String[] keys;

    /** {@code keys}: the deployment's API keys, none if keys are off. */
    HostileRequests(int maxIds, int maxBody, OpenApiOperations operations, String knownIngestion, List<String> keys) {
        this.maxIds = maxIds;
        this.maxBody = maxBody;
        this.operations = operations;
        this.knownIngestion = knownIngestion;
        this.keys = keys.toArray(new String[0]);
    }

    Attack draw(long seed) {
        Draw draw = new Draw(new SplittableRandom(seed));
        Attack attack = draw.any();
        return keys.length == 0 ? attack : draw.withKey(attack);
    }

    private final class Draw {

        final SplittableRandom random;

        Draw(SplittableRandom random) {
            this.random = random;
        }

        Attack any() {
            int kind = random.nextInt(100);
            if (kind < 40) {
                return ingestBody();
            } else if (kind < 50) {
                return mangledBytes();
            } else if (kind < 60) {
                return oddHeaders();
            } else if (kind < 66) {
                return sizes();
            } else if (kind < 80) {
                return protocol();
            } else {
                return fromOpenApi();
            }
        }

        /**
         * The request with one of the deployment's keys, sent as clients send it (three in four
         * draws), or with a key that is wrong, cut, doubled, in another scheme or missing: then
         * nothing may be stored, whatever the path says.
         */
        Attack withKey(Attack attack) {
            String key = pick(keys);
            String other = pick(keys);
            if (random.nextInt(4) > 0) {
                String header = pick(new String[] {
                    "Authorization: Bearer " + key,
                    "X-API-Key: " + key,
                    "Authorization: bearer   " + key + "  ",
                    "Authorization: Bearer " + key + "\r\nAuthorization: Bearer " + key
                });
                return attack.withHeaders("with a key", List.of(header), attack.expect());
            }
            String[][] wrong = {
                {},
                {"Authorization: Bearer not-" + key},
                {"Authorization: Bearer "},
                {"Authorization: Bearer"},
                {"Authorization: Bearer " + key.substring(0, key.length() - 1)},
                {"Authorization: Bearer " + key + "x"},
                {
                    "Authorization: Basic "
                            + Base64.getEncoder().encodeToString(("x:" + key).getBytes(StandardCharsets.UTF_8))
                },
                {"Authorization: Token " + key},
                {"X-API-Key: " + key.toUpperCase(Locale.ROOT)},
                {"X-API-Key: \u0430" + key.substring(1)},
                {"X-API-Key: " + key + "\u00a0"},
                {"Authorization: Bearer " + key, "X-API-Key: not-" + other},
                {"Authorization: Bearer " + key, "Authorization: Bearer not-" + key},
                {"Authorization: Bearer " + key + "\u0000"},
                {"Cookie: api_key=" + key},
                {"Proxy-Authorization: Bearer " + key}
            };
            String[] lines = wrong[random.nextInt(wrong.length)];
            return attack.withHeaders(
                    "with no right key: " + String.join(" + ", lines), List.of(lines), Expect.storingNothing());
        }

        /** The verdict of a body built from parts: an exact set of fields at fault, or the whole body. */
        private record Verdict(Set<String> fields, boolean malformed, boolean tooDeep) {

            Expect expect() {
                if (malformed) {
                    return Expect.invalid(Set.of("body"));
                }
                if (tooDeep) {
                    return Expect.invalidNaming("body");
                }
                return fields.isEmpty() ? Expect.accepted() : Expect.invalid(fields);
            }
        }

        /** A JSON text with what is wrong with it, if anything, as a value of a field. */
        private record Part(String json, boolean bad, boolean malformed, int depth) {

            static Part good(String json) {
                return new Part(json, false, false, 0);
            }

            static Part bad(String json) {
                return new Part(json, true, false, 0);
            }

            static Part malformed(String json) {
                return new Part(json, true, true, 0);
            }
        }

        // ---- POST /ingest bodies built from parts -------------------------------------------

        Attack ingestBody() {
            StringBuilder what = new StringBuilder("ingest body");
            String json = document(what);
            return new Builder(what.toString()).json(json).expect(lastVerdict.expect());
        }

        private Verdict lastVerdict;

        /** A request object from random parts; its verdict is left in lastVerdict. */
        String document(StringBuilder what) {
            List<String[]> fields = new ArrayList<>();
            Set<String> faults = new LinkedHashSet<>();
            boolean malformed = false;
            int depth = 1;

            Part ids = idsPart();
            if (ids != null) {
                fields.add(new String[] {"ids", ids.json()});
                malformed |= ids.malformed();
                if (ids.bad()) {
                    faults.add("ids");
                }
            } else {
                faults.add("ids");
            }
            Part priority = priorityPart();
            if (priority != null) {
                fields.add(new String[] {"priority", priority.json()});
                malformed |= priority.malformed();
                if (priority.bad()) {
                    faults.add("priority");
                }
            } else {
                faults.add("priority");
            }
            int extras = random.nextInt(4);
            Set<String> extraNames = new java.util.HashSet<>();
            for (int i = 0; i < extras; i++) {
                String name = pick(NAMES);
                String decoded = decode(name);
                if (decoded.equals("ids") || decoded.equals("priority")) {
                    name = "\"x" + i + "\"";
                    decoded = "x" + i;
                }
                malformed |= brokenName(name);
                if (!extraNames.add(decoded)) {
                    faults.add("body");
                    what.append(", ").append(name).append(" twice");
                }
                Part value = randomValue(random.nextInt(5));
                if (random.nextInt(40) == 0) {
                    int levels = pick(new Integer[] {MAX_DEPTH - 2, MAX_DEPTH - 1, MAX_DEPTH, 100_000});
                    value = new Part("[".repeat(levels) + "]".repeat(levels), false, false, levels);
                    what.append(", nested ").append(levels).append(" levels deep");
                }
                depth = Math.max(depth, 1 + value.depth());
                malformed |= value.malformed();
                fields.add(new String[] {name.substring(1, name.length() - 1), value.json()});
            }
            // A field given twice is refused whatever the two values say.
            if (!fields.isEmpty() && random.nextInt(8) == 0) {
                String[] again = fields.get(random.nextInt(fields.size()));
                Part other = again[0].equals("ids")
                        ? Part.good("[1]")
                        : again[0].equals("priority") ? Part.good("\"HIGH\"") : Part.good("1");
                // Written with an escape, the name is still the same name to a JSON reader.
                String name = again[0].equals("ids") && random.nextBoolean()
                        ? "\\u0069ds"
                        : again[0].equals("priority") && random.nextBoolean() ? "pr\\u0069ority" : again[0];
                fields.add(new String[] {name, random.nextBoolean() ? again[1] : other.json()});
                faults.add(again[0].equals("ids") || again[0].equals("priority") ? again[0] : "body");
                what.append(", ").append(again[0]).append(" twice");
            }
            Collections.shuffle(fields, new java.util.Random(random.nextLong()));
            StringBuilder json = new StringBuilder(space()).append('{');
            for (int i = 0; i < fields.size(); i++) {
                if (i > 0) {
                    json.append(space()).append(',');
                }
                json.append(space())
                        .append(quote(fields.get(i)[0]))
                        .append(space())
                        .append(':')
                        .append(space())
                        .append(fields.get(i)[1]);
            }
            json.append(space()).append('}').append(space());
            lastVerdict = new Verdict(faults, malformed, depth > MAX_DEPTH);
            return json.toString();
        }

        /** null: no ids field at all. */
        Part idsPart() {
            int mode = random.nextInt(12);
            if (mode == 0) {
                return null;
            }
            if (mode == 1) {
                return Part.bad(pick(new String[] {"5", "\"1,2\"", "{}", "{\"0\": 1}", "null", "true", "\"\""}));
            }
            if (mode == 2) {
                return Part.bad("[" + space() + "]");
            }
            int count = random.nextInt(20) == 0 ? maxIds : 1 + random.nextInt(12);
            List<String> elements = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                elements.add(Long.toString(goodId()));
            }
            if (mode <= 5) {
                int at = random.nextInt(count);
                boolean malformed = random.nextInt(3) == 0;
                elements.set(at, malformed ? pick(MALFORMED_NUMBERS) : pick(BAD_IDS));
                String json = "[" + String.join("," + space(), elements) + "]";
                return malformed ? Part.malformed(json) : Part.bad(json);
            }
            return Part.good("[" + String.join("," + space(), elements) + "]");
        }

        long goodId() {
            return switch (random.nextInt(6)) {
                case 0 -> 1;
                case 1 -> MAX_ID;
                default -> 1 + random.nextLong(MAX_ID);
            };
        }

        /** null: no priority field at all. */
        Part priorityPart() {
            int mode = random.nextInt(10);
            if (mode == 0) {
                return null;
            }
            if (mode == 1) {
                return Part.bad(pick(BAD_PRIORITY_STRINGS));
            }
            if (mode == 2) {
                Part value = randomValue(2);
                return value.json().startsWith("\"")
                        ? Part.bad("7")
                        : new Part(value.json(), true, value.malformed(), 1);
            }
            // The last two are HIGH and LOW written with escapes: the same strings to a JSON reader.
            return Part.good(
                    pick(new String[] {"\"HIGH\"", "\"MEDIUM\"", "\"LOW\"", "\"\\u0048IGH\"", "\"L\\u004fW\""}));
        }

        /** Any JSON value, well-formed unless a malformed number slips in. */
        Part randomValue(int depthLeft) {
            int kind = random.nextInt(depthLeft > 0 ? 7 : 5);
            return switch (kind) {
                case 0 -> Part.good(pick(new String[] {"null", "true", "false"}));
                case 1 -> Part.good(pick(ODD_NUMBERS));
                case 2 -> random.nextInt(30) == 0 ? Part.malformed(pick(MALFORMED_NUMBERS)) : Part.good(pick(BAD_IDS));
                case 3, 4 -> Part.good(pick(STRINGS));
                case 5 -> {
                    int n = random.nextInt(4);
                    List<String> items = new ArrayList<>();
                    boolean malformed = false;
                    int depth = 0;
                    for (int i = 0; i < n; i++) {
                        Part item = randomValue(depthLeft - 1);
                        items.add(item.json());
                        malformed |= item.malformed();
                        depth = Math.max(depth, item.depth());
                    }
                    yield new Part("[" + String.join("," + space(), items) + "]", false, malformed, depth + 1);
                }
                default -> {
                    int n = random.nextInt(4);
                    StringBuilder object = new StringBuilder("{");
                    boolean malformed = false;
                    int depth = 0;
                    for (int i = 0; i < n; i++) {
                        Part item = randomValue(depthLeft - 1);
                        // Repeated keys below the top level belong to fields the service ignores.
                        String name = pick(NAMES);
                        malformed |= brokenName(name);
                        object.append(i > 0 ? "," : "").append(name).append(':').append(item.json());
                        malformed |= item.malformed();
                        depth = Math.max(depth, item.depth());
                    }
                    yield new Part(object.append('}').toString(), false, malformed, depth + 1);
                }
            };
        }

        String space() {
            return random.nextInt(4) == 0 ? pick(new String[] {" ", "\n", "\t", "\r\n", "  "}) : "";
        }

        // ---- the same bodies, broken as bytes --------------------------------------------------

        Attack mangledBytes() {
            StringBuilder what = new StringBuilder("mangled bytes of an ingest body");
            String json = document(what);
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            int at = 1 + random.nextInt(Math.max(1, bytes.length - 1));
            byte[] mangled;
            switch (random.nextInt(4)) {
                case 0 -> {
                    byte[] insert = pick(INVALID_UTF8);
                    mangled = splice(bytes, at, insert);
                    what.append(": invalid UTF-8 inserted at ").append(at);
                }
                case 1 -> {
                    mangled = splice(bytes, at, new byte[] {0});
                    what.append(": NUL byte at ").append(at);
                }
                case 2 -> {
                    // Never after the closing brace's trailing whitespace: that cut would leave a whole object.
                    int end = json.stripTrailing().length() - 1;
                    mangled = java.util.Arrays.copyOf(bytes, Math.min(at, end));
                    what.append(": cut at ").append(mangled.length);
                }
                default -> {
                    mangled = new byte[1 + random.nextInt(64)];
                    random.nextBytes(mangled);
                    mangled[0] = (byte) (random.nextBoolean() ? '{' : mangled[0]);
                    what.append(": random bytes");
                    return new Builder(what.toString())
                            .header("Content-Type", "application/json")
                            .body(mangled)
                            .expect(Expect.status(400));
                }
            }
            return new Builder(what.toString())
                    .header("Content-Type", "application/json")
                    .body(mangled)
                    .expect(Expect.invalid(Set.of("body")));
        }

        // ---- a good or bad body, with odd headers -------------------------------------------

        Attack oddHeaders() {
            StringBuilder what = new StringBuilder("odd headers on an ingest body");
            String json = document(what);
            Expect verdict = lastVerdict.expect();
            Builder request = new Builder("");
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            request.body(body);
            String detail;
            switch (random.nextInt(12)) {
                case 0 -> {
                    String type = pick(JSON_TYPES);
                    request.header("Content-Type", type);
                    detail = "Content-Type " + type;
                }
                case 1 -> {
                    String type = pick(NOT_JSON_TYPES);
                    request.header("Content-Type", type);
                    detail = "Content-Type " + type;
                    verdict = Expect.status(415);
                }
                case 2 -> {
                    detail = "no Content-Type";
                    verdict = Expect.status(415);
                }
                case 3 -> {
                    request.header("Content-Type", "application/json").header("Content-Type", pick(NOT_JSON_TYPES));
                    detail = "two Content-Types";
                    verdict = Expect.anything();
                }
                case 4 -> {
                    request.header("Content-Type", "application/json").framing(Framing.CHUNKED);
                    detail = "chunked";
                }
                case 5 -> {
                    request.header("Content-Type", "application/json")
                            .chunkedBytes(brokenChunks(body))
                            .framing(Framing.CHUNKED);
                    detail = "broken chunks";
                    verdict = Expect.status(400);
                }
                case 6 -> {
                    request.header("Content-Type", "application/json")
                            .header("Content-Length", Integer.toString(body.length + random.nextInt(2)));
                    detail = "two Content-Lengths";
                    verdict = Expect.status(400);
                }
                case 7 -> {
                    request.header("Content-Type", "application/json").header("Accept", pick(ACCEPTS));
                    detail = "an odd Accept";
                }
                case 8 -> {
                    request.header("Content-Type", "application/json")
                            .header("X-Request-Id", pick(STRINGS))
                            .header("X-Request-Id", "two");
                    detail = "odd X-Request-Ids";
                }
                case 9 -> {
                    request.header("Content-Type", "application/json").rawHeader(pick(BROKEN_HEADER_LINES));
                    detail = "a broken header line";
                    verdict = Expect.anything();
                }
                case 10 -> {
                    request.header("Content-Type", "application/json")
                            .header("Expect", "100-continue")
                            .header("Accept-Charset", "utf-16")
                            .header("Content-Encoding", pick(new String[] {"gzip", "identity", "br", "x"}));
                    detail = "Expect, Accept-Charset and Content-Encoding";
                    verdict = Expect.anything();
                }
                default -> {
                    request.header("Content-Type", "application/json")
                            .header("Transfer-Encoding", pick(new String[] {"gzip", "chunked, gzip", "identity", "x"}));
                    detail = "an unknown Transfer-Encoding";
                    verdict = Expect.status(400);
                }
            }
            return request.what(what + ", " + detail).expect(verdict);
        }

        byte[] brokenChunks(byte[] body) {
            String size = pick(new String[] {"zz", "-1", "fffffffffffffffff", "", "1;" + "x".repeat(9000)});
            return (size + "\r\n" + new String(body, StandardCharsets.UTF_8) + "\r\n0\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8);
        }

        // ---- at and past the limits ---------------------------------------------------------

        Attack sizes() {
            String good = "{\"ids\": [7], \"priority\": \"LOW\"}";
            switch (random.nextInt(5)) {
                case 0 -> {
                    return new Builder("a body of exactly the limit")
                            .json(ApiAnswers.padded(good, maxBody))
                            .expect(Expect.accepted());
                }
                case 1 -> {
                    return new Builder("a body one byte past the limit")
                            .json(ApiAnswers.padded(good, maxBody + 1))
                            .expect(Expect.tooLarge("body"));
                }
                case 2 -> {
                    return new Builder("a chunked body one byte past the limit")
                            .json(ApiAnswers.padded(good, maxBody + 1 + random.nextInt(3000)))
                            .framing(Framing.CHUNKED)
                            .expect(Expect.tooLarge("body"));
                }
                case 3 -> {
                    return new Builder("a declared length past the limit, and a small body")
                            .header("Content-Type", "application/json")
                            .header("Content-Length", pick(new String[] {
                                Integer.toString(maxBody + 1), "2147483648", "9223372036854775807"
                            }))
                            .framing(Framing.NONE)
                            .body(good.getBytes(StandardCharsets.US_ASCII))
                            .expect(Expect.tooLarge("body"));
                }
                default -> {
                    StringBuilder ids = new StringBuilder();
                    int count = maxIds + 1 + random.nextInt(5);
                    for (int i = 0; i < count; i++) {
                        ids.append(i == 0 ? "" : ",").append(1 + i);
                    }
                    return new Builder(count + " ids, more than the limit")
                            .json("{\"ids\": [" + ids + "], \"priority\": \"LOW\"}")
                            .expect(Expect.tooLarge("ids"));
                }
            }
        }

        // ---- the protocol: methods, targets, versions ---------------------------------------

        Attack protocol() {
            String method = random.nextInt(3) == 0 ? pick(METHODS) : pick(new String[] {"GET", "POST"});
            String target = pick(TARGETS).replace("{known}", knownIngestion).replace("{random}", token());
            String version = random.nextInt(8) == 0 ? pick(VERSIONS) : "HTTP/1.1";
            Builder request = new Builder(method + " " + target + " " + version)
                    .method(method)
                    .target(target)
                    .version(version);
            if (random.nextInt(10) == 0) {
                request.requestLine(pick(REQUEST_LINES));
            }
            if (random.nextInt(10) == 0) {
                request.noHost();
            }
            if (random.nextBoolean()) {
                StringBuilder ignored = new StringBuilder();
                request.json(document(ignored));
            } else {
                request.framing(random.nextBoolean() ? Framing.NONE : Framing.LENGTH);
            }
            return request.expect(Expect.anything());
        }

        String token() {
            return switch (random.nextInt(10)) {
                case 0 -> knownIngestion;
                case 1 -> new UUID(random.nextLong(), random.nextLong()).toString();
                case 2 -> knownIngestion.toUpperCase();
                default -> pick(PATH_TOKENS);
            };
        }

        // ---- every operation the OpenAPI document declares ----------------------------------

        Attack fromOpenApi() {
            OpenApiOperations.Operation operation = pick(operations.all().toArray(new OpenApiOperations.Operation[0]));
            String target = operation.path();
            for (String name : operation.pathParameters()) {
                target = target.replace("{" + name + "}", token());
            }
            List<String> query = new ArrayList<>();
            for (String name : operation.queryParameters()) {
                int times = random.nextInt(6) == 0 ? 0 : random.nextInt(8) == 0 ? 2 : 1;
                for (int i = 0; i < times; i++) {
                    query.add(name + "=" + pick(QUERY_VALUES));
                }
            }
            if (random.nextInt(6) == 0) {
                query.add(pick(new String[] {"x=1", "=", "&&", "a", "%zz=1", "offset", "limit=%00"}));
            }
            if (!query.isEmpty()) {
                target += "?" + String.join("&", query);
            }
            Builder request = new Builder("OpenAPI " + operation.method() + " " + operation.path())
                    .method(operation.method())
                    .target(target);
            for (String name : operation.headerParameters()) {
                request.header(name, pick(STRINGS).replace("\"", ""));
            }
            if (operation.takesBody() || random.nextInt(4) == 0) {
                StringBuilder ignored = new StringBuilder();
                String json = random.nextBoolean()
                        ? document(ignored)
                        : randomValue(3).json();
                request.json(json);
            }
            return request.expect(Expect.anything());
        }

        // ---- helpers ------------------------------------------------------------------------

        <T> T pick(T[] choices) {
            return choices[random.nextInt(choices.length)];
        }
    }

    private static byte[] splice(byte[] bytes, int at, byte[] insert) {
        byte[] out = new byte[bytes.length + insert.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(bytes, at, out, at + insert.length, bytes.length - at);
        return out;
    }

    /** Jackson refuses a lone surrogate escaped in a name (in a value it reads one). */
    private static boolean brokenName(String literal) {
        return literal.matches(".*\\\\u[dD][89abcdefABCDEF].*") && !literal.contains("\\uD83D\\uDE00");
    }

    /** A JSON string literal's value. */
    private static String decode(String literal) {
        return tools.jackson.databind.json.JsonMapper.shared().readValue(literal, String.class);
    }

    private static String quote(String name) {
        return "\"" + name + "\"";
    }

    // ---- the pools the draws pick from -------------------------------------------------------

    /** JSON values that are well-formed but no valid id. */
    static final String[] BAD_IDS = {
        "0",
        "-0",
        "-1",
        "-5",
        "1000000008",
        "2147483648",
        "4294967297",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "12345678901234567890",
        "100000000000000000000000000000",
        "1e999",
        "-1e999",
        "1E3",
        "1e0",
        "1.0",
        "1.5",
        "0.0",
        "-0.0",
        "1e-999",
        "5E-324",
        "\"1\"",
        "\"\"",
        "null",
        "true",
        "false",
        "[1]",
        "[]",
        "{}",
        "{\"id\": 1}",
        "1" + "0".repeat(999)
    };

    /** Not JSON at all: the whole body is malformed. */
    static final String[] MALFORMED_NUMBERS = {
        "01", "+1", ".5", "1.", "0x10", "NaN", "Infinity", "-Infinity", "1e", "--1", "1_000", "- 1", "1e+", "\"1", "'1'"
    };

    static final String[] ODD_NUMBERS = {
        "0",
        "-0",
        "1e999",
        "-1e999",
        "1E-999",
        "12345678901234567890",
        "-12345678901234567890",
        "1.7976931348623157E309",
        "4.9e-325",
        "0.000000000000000000000000000001",
        "123456789012345678901234567890.5",
        "1" + "0".repeat(999)
    };

    static final String[] BAD_PRIORITY_STRINGS = {
        "\"URGENT\"",
        "\"high\"",
        "\"High\"",
        "\" HIGH\"",
        "\"HIGH \"",
        "\"\"",
        "\"HIGH\\u0000\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"\\udfff\\ud800\"",
        "\"\uff28\uff29\uff27\uff28\"",
        "\"HIG\\u0048\u0301\"",
        "\"H\\\"IGH\"",
        "\"" + "H".repeat(5000) + "\"",
        "\"LOW\\n\"",
        "\"\\/LOW\"",
        "\"<script>alert(1)</script>\""
    };

    /** String values and names, escaped as JSON: odd characters, escapes, lone surrogates. */
    static final String[] STRINGS = {
        "\"\"",
        "\"a\"",
        "\"ids\"",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"\\udc00x\"",
        "\"\\uD83D\\uDE00\"",
        "\"\u00e9\u4e2d\ud83d\ude00\"",
        "\"\\\\\\\"\\/\\b\\f\\n\\r\\t\"",
        "\"" + "x".repeat(3000) + "\"",
        "\"${jndi:ldap://x/a}\"",
        "\"%s%n%x\"",
        "\"' OR 1=1 --\"",
        "\"\\u202e\\u200b\\ufeff\"",
        "\"\u0085\u2028\u2029\""
    };

    static final String[] NAMES = {
        "\"\"", "\"x\"", "\"IDS\"", "\"Ids\"", "\"id\"", "\"ids \"", "\"priority\\u0000\"", "\"\\u0069ds\"",
        "\"__proto__\"", "\"constructor\"", "\"$where\"", "\"\u00e9\"", "\"\\ud800\"", "\"a\"", "\"a\"", "\"b\""
    };

    static final byte[][] INVALID_UTF8 = {
        {(byte) 0xFF},
        {(byte) 0xC3, 0x28},
        {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
        {(byte) 0xE2, (byte) 0x82},
        {(byte) 0x80},
        {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}
    };

    static final String[] JSON_TYPES = {
        "application/json",
        "application/json; charset=UTF-8",
        "application/json;charset=utf-8",
        "APPLICATION/JSON",
        "application/vnd.api+json",
        "application/problem+json",
        "application/json; foo=bar"
    };

    static final String[] NOT_JSON_TYPES = {
        "text/plain",
        "text/json",
        "application/xml",
        "*/*",
        "application/*",
        "application/jsonx",
        "json",
        "application",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        ";;",
        "/",
        "a/b/c",
        "application/json/x",
        "text/html; charset=\"",
        "\u00e9/\u00e9"
    };

    static final String[] ACCEPTS = {
        "text/html",
        "application/xml",
        "image/png",
        "*/*",
        "text/*",
        "a/b;q=x",
        ";",
        "application/json;q=0",
        "text/html;q=1, application/json;q=0.1",
        "*",
        "application/vnd.spring-boot.actuator.v3+json"
    };

    static final byte[][] BROKEN_HEADER_LINES = {
        "X-A: b\u0000c".getBytes(StandardCharsets.ISO_8859_1),
        "X A: b".getBytes(StandardCharsets.ISO_8859_1),
        ": b".getBytes(StandardCharsets.ISO_8859_1),
        "X-A b".getBytes(StandardCharsets.ISO_8859_1),
        "X-A: b\rc".getBytes(StandardCharsets.ISO_8859_1),
        "X-A: one\r\n two".getBytes(StandardCharsets.ISO_8859_1),
        "X-A: \u00ff\u00fe".getBytes(StandardCharsets.ISO_8859_1),
        "X-\u00e9: x".getBytes(StandardCharsets.UTF_8),
        ("X-Big: " + "x".repeat(9000)).getBytes(StandardCharsets.ISO_8859_1),
        "Host: other".getBytes(StandardCharsets.ISO_8859_1),
        "Content-Length: -1".getBytes(StandardCharsets.ISO_8859_1),
        "Content-Length: 1e3".getBytes(StandardCharsets.ISO_8859_1),
    };

    static final String[] METHODS = {
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "PATCH",
        "OPTIONS",
        "TRACE",
        "CONNECT",
        "PROPFIND",
        "FOO",
        "get",
        "post",
        "M-SEARCH",
        "GET\u0000",
        "PRI",
        "X".repeat(300)
    };

    static final String[] TARGETS = {
        "/",
        "/ingest",
        "/ingest/",
        "/INGEST",
        "//ingest",
        "/./ingest",
        "/ingest/..",
        "/ingest;a=b",
        "/ingest?x=1",
        "/ingest%2F",
        "/ingest#x",
        "/status/",
        "/status/{known}",
        "/status/{random}",
        "/status/{random}/x",
        "/ingestions/{known}/records",
        "/ingestions/{random}/records?offset=-1&limit=99999999999",
        "/ingestions/{known}/records?offset=1e999&limit=-0",
        "/health",
        "/health/liveness",
        "/health/x",
        "/metrics",
        "/openapi.json",
        "/docs",
        "/swagger-ui/index.html",
        "/swagger-ui/../../../etc/passwd",
        "/swagger-ui/%2e%2e/x",
        "/actuator",
        "/actuator/env",
        "/error",
        "/error?x",
        "/WEB-INF/web.xml",
        "/META-INF/MANIFEST.MF",
        "*",
        "http://localhost/health",
        "http://evil.example/ingest",
        "/%",
        "/%zz",
        "/%00",
        "/\u00e9",
        "/a b",
        "/a\tb",
        "/" + "a".repeat(9000),
        "/status/" + "%ff".repeat(20),
        "/.;/status/x",
        "/;/ingest",
        "/status/..%2f..%2f",
        "relative",
        "",
        "/health/..;/ingest",
        "/health/../ingest",
        "/health;/../ingest",
        "/docs/..;/ingest",
        "/health/%2e%2e/ingest",
        "/health.;/../ingest",
        "/metrics/..;/ingest",
        "/swagger-ui/..;/..;/ingest",
        "/openapi.json/..;/ingest",
        "/health/..%3B/ingest",
        "/health/%2e%2e%3b/ingest"
    };

    static final String[] VERSIONS = {"HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1", "HTTPS/1.1", "http/1.1", "HTTP/1.1x"
    };

    static final String[] REQUEST_LINES = {
        "GET /",
        "GET",
        "",
        " ",
        "GET  /health  HTTP/1.1",
        "GET /health HTTP/1.1 extra",
        "\u0000",
        "{\"ids\": [1]}",
        "PRI * HTTP/2.0",
        "GET /health HTTP/1.1\rX",
        "GET\t/health\tHTTP/1.1"
    };

    static final String[] PATH_TOKENS = {
        "not-an-id",
        "",
        "%00",
        "%2F",
        "..",
        "%2e%2e",
        "%25",
        "%C3%A9",
        "%FF%FE",
        "null",
        "0",
        "-1",
        "1e999",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
        "%27%20OR%201%3D1--",
        "%3Cscript%3E",
        "x".repeat(300),
        "01a21523-f72a-7e13-9d7e-83669667e68",
        "{ingestionId}",
        "%7B%7D",
        ";x=1",
        "a.json"
    };

    static final String[] QUERY_VALUES = {
        "0",
        "-1",
        "1",
        "100",
        "1000",
        "1001",
        "2147483648",
        "99999999999999999999",
        "1e999",
        "-0",
        "abc",
        "",
        "%00",
        "1.5",
        "NaN",
        "%FF",
        "1,2",
        "+1",
        "0x10",
        "%20"
    };
}
