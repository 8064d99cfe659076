// The no-work ceiling of bench/run (issue 18 point 1): the fastest this machine answers the
// service's requests over HTTP/1.1 with keep-alive from the JDK alone, so that each of the
// service's throughputs can be printed as a share of it. Run as a source file (no build):
//
//     java <the launcher's JVM_OPTS> -Dsun.net.httpserver.nodelay=true bench/Ceiling.java <port>
//
// bench/ceiling.py starts it with the JVM options of bin/ingestion-service (heap and collector, so
// that the two are comparable) and TCP_NODELAY on every accepted socket (the property above; Tomcat
// sets it by default). It listens on 127.0.0.1 only and answers, whatever the headers:
//   POST /ingest          reads the body to its end and discards it; 202 and a fixed JSON body of
//                         the service's shape ({"ingestion_id": ...}, 55 bytes; the service's
//                         default status is 200, INGEST_ACCEPT_STATUS: the same work either way)
//   GET /status/<any>     200 and a fixed JSON body shaped and sized like the service's answer
//                         for an ingestion of 5 ids waiting in the queue (two batches)
//   anything else         404 (405 for another method on those paths)
// It prints "READY <port>" once it listens, and stops on SIGTERM.
//
// Executor: a fixed pool of 200 platform threads. That is the service's request threads: Tomcat's
// default maximum (server.tomcat.threads.max, which the service leaves as it is), platform threads,
// one per request in progress. Virtual threads are not an option on the JDK 17 the service
// targets (final in 21), and would not be the service's model. The pool starts its threads as
// requests arrive; at 64 connections at most 64 are busy at once.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

public final class Ceiling {
    static final int THREADS = 200;

    static final String ID = "7812465c-210b-480f-bc68-78348f91cdf3";

    static final byte[] INGESTED = ("{\"ingestion_id\":\"" + ID + "\"}").getBytes(StandardCharsets.UTF_8);

    static final byte[] STATUS = ("{\"ingestion_id\":\"" + ID + "\",\"status\":\"yet_to_start\","
            + "\"priority\":\"MEDIUM\",\"created_at\":\"2026-11-23T05:50:30.148Z\","
            + "\"estimated_completion\":\"2026-11-23T06:41:52.353Z\",\"batches\":["
            + "{\"batch_id\":\"10dd856b-5017-3d3e-ab6e-d553dfa3e91e\",\"ids\":[1,2,3],\"status\":\"yet_to_start\","
            + "\"started_at\":null,\"completed_at\":null,\"queue_position\":15406,"
            + "\"estimated_start\":\"2026-11-23T06:41:52.133Z\"},"
            + "{\"batch_id\":\"6ba6252b-393d-3f37-a40a-3e37280ca157\",\"ids\":[4,5],\"status\":\"yet_to_start\","
            + "\"started_at\":null,\"completed_at\":null,\"queue_position\":15407,"
            + "\"estimated_start\":\"2026-11-23T06:41:52.333Z\"}]}").getBytes(StandardCharsets.UTF_8);

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1024);
        server.createContext("/ingest", exchange -> answer(exchange, "POST", 202, INGESTED));
        server.createContext("/status/", exchange -> answer(exchange, "GET", 200, STATUS));
        server.createContext("/", exchange -> answer(exchange, null, 404, "{\"error\":\"Not found\"}".getBytes()));
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        server.setExecutor(pool);
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(0);
            pool.shutdownNow();
        }));
        System.out.println("READY " + port);
    }

    static void answer(HttpExchange exchange, String method, int status, byte[] body) throws IOException {
        try (exchange) {
            try (InputStream in = exchange.getRequestBody()) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            if (method != null && !method.equals(exchange.getRequestMethod())) {
                status = 405;
                body = "{\"error\":\"Method not allowed\"}".getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
