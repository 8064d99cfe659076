package dev.ingestion.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A {@code POST /ingest} held in flight: its headers and the first half of its body go out at
 * once, the rest when the test says. Meanwhile the service is inside the request, reading its
 * body, which is what "a request in flight" means to a graceful shutdown. Plain socket I/O,
 * since an HTTP client sends a body it is given whole.
 */
final class HeldPost implements AutoCloseable {

    /** Status and body of the answer. */
    record Answer(int status, String body) {}

    private final Socket socket;
    private final byte[] rest;

    private HeldPost(Socket socket, byte[] rest) {
        this.socket = socket;
        this.rest = rest;
    }

    static HeldPost begin(ServiceProcess service, String json) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        int half = body.length / 2;
        try {
            Socket socket =
                    new Socket(service.uri("/").getHost(), service.uri("/").getPort());
            socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST /ingest HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, half);
            out.flush();
            byte[] rest = new byte[body.length - half];
            System.arraycopy(body, half, rest, 0, rest.length);
            return new HeldPost(socket, rest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends the rest of the body and reads the answer. */
    Answer finish() throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(rest);
        out.flush();
        InputStream in = socket.getInputStream();
        String statusLine = line(in);
        int contentLength = -1;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                contentLength = Integer.parseInt(
                        header.substring("content-length:".length()).trim());
            }
        }
        byte[] body = contentLength >= 0 ? in.readNBytes(contentLength) : in.readAllBytes();
        return new Answer(Integer.parseInt(statusLine.split(" ")[1]), new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("the connection closed mid-answer, after: " + line);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
