package dev.ingestion.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One hostile request, its bytes exactly as they go on the wire, and what the service must
 * answer to it beyond what every answer must be (HostileAnswers).
 */
record Attack(String what, byte[] head, byte[] body, boolean isHead, Expect expect) {

    /**
     * What the answer must be: statuses empty means any status below 500; a request that may
     * not store stores nothing whatever it is answered (one without the right API key, say).
     */
    record Expect(Set<Integer> statuses, Set<String> fields, boolean fieldsExact, boolean mayStore) {

        static Expect anything() {
            return new Expect(Set.of(), null, false, true);
        }

        static Expect status(int status) {
            return new Expect(Set.of(status), null, false, true);
        }

        static Expect accepted() {
            return status(200);
        }

        /** 400 whose details name exactly these fields. */
        static Expect invalid(Set<String> fields) {
            return new Expect(Set.of(400), Set.copyOf(fields), true, true);
        }

        /** 400 whose details name at least this field. */
        static Expect invalidNaming(String field) {
            return new Expect(Set.of(400), Set.of(field), false, true);
        }

        static Expect tooLarge(String field) {
            return new Expect(Set.of(413), Set.of(field), true, true);
        }

        /** Any answer below 500, and nothing stored whatever it is. */
        static Expect storingNothing() {
            return new Expect(Set.of(), null, false, false);
        }

        @Override
        public String toString() {
            return (statuses.isEmpty() ? "any status below 500" : "status " + statuses)
                    + (fields == null ? "" : (fieldsExact ? ", details exactly " : ", details naming ") + fields)
                    + (mayStore ? "" : ", nothing stored");
        }
    }

    /** The same request with more header lines right after the request line, and another expectation. */
    Attack withHeaders(String what, List<String> lines, Expect expect) {
        int endOfRequestLine = 0;
        while (endOfRequestLine < head.length - 1
                && !(head[endOfRequestLine] == '\r' && head[endOfRequestLine + 1] == '\n')) {
            endOfRequestLine++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(head, 0, endOfRequestLine + 2);
        for (String line : lines) {
            out.writeBytes((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        out.write(head, endOfRequestLine + 2, head.length - endOfRequestLine - 2);
        return new Attack(this.what + ", " + what, out.toByteArray(), body, isHead, expect);
    }

    /** How the request reads, for a failure report: control and non-ASCII bytes escaped, long bodies cut. */
    String describe() {
        return what + "\n    " + printable(head, 600).replace("\\r\\n", "\\r\\n\n    ") + "\n    body: "
                + printable(body, 400);
    }

    private static String printable(byte[] bytes, int limit) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, limit); i++) {
            int b = bytes[i] & 0xFF;
            if (b == '\r') {
                text.append("\\r");
            } else if (b == '\n') {
                text.append("\\n");
            } else if (b < 0x20 || b >= 0x7F) {
                text.append(String.format("\\x%02X", b));
            } else {
                text.append((char) b);
            }
        }
        return bytes.length > limit ? text + "... (" + bytes.length + " bytes)" : text.toString();
    }

    /** Builds the bytes of a request: the request line, headers in order, framing, and the body. */
    static final class Builder {

        private String what;
        private String method = "POST";
        private String target = "/ingest";
        private String version = "HTTP/1.1";
        private String requestLine;
        private boolean host = true;
        private final List<byte[]> headers = new ArrayList<>();
        private byte[] body = new byte[0];
        private Framing framing = Framing.LENGTH;
        private byte[] chunkedBody;

        enum Framing {
            LENGTH,
            CHUNKED,
            NONE
        }

        Builder(String what) {
            this.what = what;
        }

        Builder what(String what) {
            this.what = what;
            return this;
        }

        Builder method(String method) {
            this.method = method;
            return this;
        }

        Builder target(String target) {
            this.target = target;
            return this;
        }

        Builder version(String version) {
            this.version = version;
            return this;
        }

        /** Replaces the whole request line (no method, target or version of ours). */
        Builder requestLine(String line) {
            this.requestLine = line;
            return this;
        }

        Builder noHost() {
            this.host = false;
            return this;
        }

        Builder header(String name, String value) {
            return rawHeader((name + ": " + value).getBytes(StandardCharsets.UTF_8));
        }

        /** A header line as bytes, without its CRLF: anything, valid or not. */
        Builder rawHeader(byte[] line) {
            headers.add(line);
            return this;
        }

        Builder json(String json) {
            header("Content-Type", "application/json");
            return body(json.getBytes(StandardCharsets.UTF_8));
        }

        Builder body(byte[] body) {
            this.body = body;
            return this;
        }

        Builder framing(Framing framing) {
            this.framing = framing;
            return this;
        }

        /** A chunked body as given, framing included (so it may be broken). */
        Builder chunkedBytes(byte[] chunked) {
            this.framing = Framing.CHUNKED;
            this.chunkedBody = chunked;
            return this;
        }

        Attack expect(Expect expect) {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            write(head, requestLine != null ? requestLine : method + " " + target + " " + version);
            if (host) {
                write(head, "Host: localhost");
            }
            for (byte[] line : headers) {
                head.writeBytes(line);
                head.writeBytes(new byte[] {'\r', '\n'});
            }
            byte[] wire = body;
            if (framing == Framing.LENGTH) {
                write(head, "Content-Length: " + body.length);
            } else if (framing == Framing.CHUNKED) {
                write(head, "Transfer-Encoding: chunked");
                wire = chunkedBody != null ? chunkedBody : chunked(body);
            }
            // One request per connection: the server closes after answering, so an answer without
            // a length still ends, and no request waits on a kept-alive connection.
            write(head, "Connection: close");
            write(head, "");
            return new Attack(what, head.toByteArray(), wire, method.equals("HEAD"), expect);
        }

        private static byte[] chunked(byte[] body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int at = 0; at < body.length; at += 1000) {
                int size = Math.min(1000, body.length - at);
                out.writeBytes((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body, at, size);
                out.writeBytes(new byte[] {'\r', '\n'});
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return out.toByteArray();
        }

        private static void write(ByteArrayOutputStream out, String line) {
            out.writeBytes((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }
}
