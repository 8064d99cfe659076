package dev.ingestion.api;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * HTTP/1.1 over a plain socket: the bytes go out exactly as given, so a test can send what the
 * JDK client refuses to (repeated or broken headers, odd methods, bodies trickled a byte at a
 * time, invalid chunking). One request per connection; the answer is read until its length, its
 * last chunk or the server's close.
 */
final class RawHttp {

    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

    private final int port;

    RawHttp(int port) {
        this.port = port;
    }

    Answer send(Attack attack) {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write(attack.head());
            try {
                out.write(attack.body());
                out.flush();
            } catch (IOException e) {
                // the server answered (and closed) before taking the whole body: read what it said
            }
            return read(socket.getInputStream(), attack.isHead());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends the head, then the body one byte per {@code pause}, and stops sending as soon as an
     * answer starts to arrive (or the server stops reading). The answer and when it came.
     */
    Timed trickle(String head, byte[] body, Duration pause) {
        long started = System.nanoTime();
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (int i = 0; i < body.length && in.available() == 0; i++) {
                sleep(pause);
                if (in.available() > 0) {
                    break;
                }
                try {
                    out.write(body[i]);
                    out.flush();
                } catch (IOException e) {
                    break;
                }
            }
            Answer answer = read(in, false);
            return new Timed(answer, Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends the head and nothing more: the answer (if any) and when the server gave it or closed. */
    Timed silent(String head) {
        long started = System.nanoTime();
        try (Socket socket = connect()) {
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            Answer answer = read(socket.getInputStream(), false);
            return new Timed(answer, Duration.ofNanos(System.nanoTime() - started));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
        return socket;
    }

    private static Answer read(InputStream in, boolean isHead) throws IOException {
        in = new BufferedInputStream(in);
        in.mark(8);
        byte[] start = in.readNBytes(5);
        in.reset();
        if (start.length > 0 && !new String(start, StandardCharsets.ISO_8859_1).equals("HTTP/")) {
            // A request line without a version is HTTP/0.9, whose answer is the body alone.
            return new Answer(
                    Answer.HTTP_09, List.of(), readToClose(in), "(HTTP/0.9: a body without status or headers)");
        }
        byte[] head;
        String[] lines;
        do {
            try {
                head = readHead(in);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no answer within " + ANSWER_TIMEOUT, e);
            }
            if (head.length == 0) {
                return Answer.NONE;
            }
            lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        } while (lines[0].matches("HTTP/1\\.1 1\\d\\d.*")); // 100 Continue: the answer follows
        String[] statusLine = lines[0].split(" ", 3);
        if (!lines[0].startsWith("HTTP/1.1 ") || statusLine.length < 2 || !statusLine[1].matches("\\d{3}")) {
            throw new AssertionError("not an HTTP/1.1 answer: " + lines[0]);
        }
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.add(new String[] {
                lines[i].substring(0, colon).trim(),
                lines[i].substring(colon + 1).trim()
            });
        }
        Answer bare = new Answer(Integer.parseInt(statusLine[1]), headers, new byte[0], lines[0]);
        byte[] body;
        if (isHead || bare.status() == 204 || bare.status() == 304) {
            body = new byte[0];
        } else if (bare.header("Content-Type")
                .filter(t -> t.startsWith("text/event-stream"))
                .isPresent()) {
            // A stream of events (GET /events) never ends: its head is the answer.
            body = new byte[0];
        } else if (bare.header("Transfer-Encoding")
                .filter("chunked"::equalsIgnoreCase)
                .isPresent()) {
            body = readChunked(in);
        } else if (bare.header("Content-Length").isPresent()) {
            body = in.readNBytes(Integer.parseInt(bare.header("Content-Length").get()));
        } else {
            body = readToClose(in);
        }
        return new Answer(bare.status(), headers, body, lines[0]);
    }

    /** The status line and headers, without the blank line; empty if the server closed without a word. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b;
            try {
                b = in.read();
            } catch (SocketException e) {
                b = -1; // reset by the server: as good as closed
            }
            if (b < 0) {
                if (head.size() == 0) {
                    return new byte[0];
                }
                throw new EOFException("the answer's head ends early: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        byte[] bytes = head.toByteArray();
        return Arrays.copyOf(bytes, bytes.length - 4);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            int semicolon = sizeLine.indexOf(';');
            int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers: none of interest
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("a chunked answer ends early");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] readToClose(InputStream in) throws IOException {
        try {
            return in.readAllBytes();
        } catch (SocketException e) {
            return new byte[0];
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An answer as it came over the wire; {@link #NONE} when the server closed without one. */
    record Answer(int status, List<String[]> headers, byte[] body, String statusLine) {

        static final Answer NONE = new Answer(0, List.of(), new byte[0], "");
        static final int HTTP_09 = -9;

        Optional<String> header(String name) {
            return headers(name).stream().findFirst();
        }

        List<String> headers(String name) {
            return headers.stream()
                    .filter(h -> h[0].equalsIgnoreCase(name))
                    .map(h -> h[1])
                    .toList();
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** What ApiAnswers checks: status, Content-Type and text. */
        ApiClient.Reply reply() {
            return new ApiClient.Reply(status, header("Content-Type").orElse(""), text());
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(statusLine);
            headers.forEach(h -> text.append("\n  ").append(h[0]).append(": ").append(h[1]));
            String shown = text();
            return text.append("\n  ")
                    .append(shown.length() > 300 ? shown.substring(0, 300) + "..." : shown)
                    .toString();
        }
    }

    record Timed(Answer answer, Duration after) {}
}
