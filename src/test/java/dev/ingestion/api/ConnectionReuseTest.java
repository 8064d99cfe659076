package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Over a raw socket, so that nothing between the test and Tomcat pools or reopens connections.
 * Tomcat's default closes a connection after 100 requests; a reconnecting client then costs
 * fresh connection buffers that get promoted under load (README, the JVM options).
 */
class ConnectionReuseTest extends ServiceOnH2 {

    private static final String BODY = "{\"ids\":[1,2,3,4,5],\"priority\":\"LOW\"}";

    @Test
    void oneKeepAliveConnectionCarriesMoreThanAHundredIngests() throws IOException {
        List<String> statusLines = new ArrayList<>();
        List<String> closing = new ArrayList<>();
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            for (int i = 0; i < 250; i++) {
                out.write(("POST /ingest HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                                + "Content-Length: " + BODY.length() + "\r\n\r\n" + BODY)
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String statusLine = in.readLine();
                if (statusLine == null) {
                    break; // the server closed the connection
                }
                statusLines.add(statusLine);
                int length = 0;
                for (String header = in.readLine(); header != null && !header.isEmpty(); header = in.readLine()) {
                    String lower = header.toLowerCase();
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(lower.substring(15).trim());
                    }
                    if (lower.equals("connection: close")) {
                        closing.add("response " + (i + 1));
                    }
                }
                assertThat(in.skip(length)).isEqualTo(length);
            }
        }
        assertThat(closing).isEmpty();
        assertThat(statusLines).hasSize(250).allSatisfy(line -> assertThat(line).startsWith("HTTP/1.1 200"));
    }
}
