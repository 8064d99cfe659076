package dev.ingestion.upstream;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP upstream on 127.0.0.1 that answers as the test says. Slow answers wait on {@link
 * #held} rather than sleeping; closing the stub lets them go.
 */
final class StubUpstream implements AutoCloseable {

    interface Answer {
        void answer(HttpExchange exchange) throws IOException;
    }

    record Request(URI uri, Headers headers) {}

    final List<Request> requests = new CopyOnWriteArrayList<>();
    final CountDownLatch held = new CountDownLatch(1);
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private volatile Answer answer = json(200, "{}");

    private StubUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/", exchange -> {
            requests.add(new Request(exchange.getRequestURI(), exchange.getRequestHeaders()));
            try (exchange) {
                answer.answer(exchange);
            } catch (IOException clientWentAway) {
                // the client may stop reading on purpose (a body over its limit, a deadline)
            }
        });
        server.start();
    }

    static StubUpstream start() throws IOException {
        return new StubUpstream();
    }

    void answer(Answer answer) {
        this.answer = answer;
    }

    /** The URL of a path on this stub, e.g. {@code /items/{id}}. */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** A URL where nobody listens: a port the system just handed out and took back. */
    static String refusingUrl(String path) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort() + path;
        }
    }

    static Answer json(int status, String body, String... headerPairs) {
        return exchange -> {
            for (int i = 0; i < headerPairs.length; i += 2) {
                exchange.getResponseHeaders().add(headerPairs[i], headerPairs[i + 1]);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            send(exchange, status, body);
        };
    }

    static Answer text(int status, String body) {
        return exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
            send(exchange, status, body);
        };
    }

    /** Holds the answer until the stub closes: past any short timeout. */
    Answer heldBeforeHeaders() {
        return exchange -> await();
    }

    /** Sends the headers and a first part of the body, then holds the rest. */
    Answer heldMidBody() {
        return exchange -> {
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write("{\"id\": 1, ".getBytes(StandardCharsets.UTF_8));
            exchange.getResponseBody().flush();
            await();
        };
    }

    /** A body that never ends, written until the client hangs up. */
    static Answer endless() {
        return exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = "x".repeat(8192).getBytes(StandardCharsets.US_ASCII);
            OutputStream body = exchange.getResponseBody();
            while (true) {
                body.write(chunk);
            }
        };
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void await() {
        try {
            held.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        held.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
