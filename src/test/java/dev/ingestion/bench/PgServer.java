package dev.ingestion.bench;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL server from the binaries the tests use (zonky's, from Maven Central), for
 * bench/run on a machine without Debian's postgresql. Prints {@code READY <port>} once it accepts
 * connections (user and password {@code postgres}) and runs until the JVM is told to stop
 * (SIGTERM), which stops the server and removes its data folder.
 *
 * <p>Arguments: {@code <port> <data folder>}.
 */
public final class PgServer {

    private PgServer() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(Path.of(args[1]))
                .setCleanDataDirectory(true)
                .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception ignored) {
                // the JVM is going away anyway
            } finally {
                stopped.countDown();
            }
        }));
        System.out.println("READY " + server.getPort());
        System.out.flush();
        stopped.await();
    }
}
