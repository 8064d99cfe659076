package dev.ingestion.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.ingestion.support.TestStores;

/**
 * The packaged service running as a child process, the way it runs in production: started by
 * bin/ingestion-service (its JVM options, class-data sharing), its own JVM, its own port,
 * configured by environment variables only. {@link #kill()} is a SIGKILL on Linux: no shutdown
 * hook, no graceful drain, exactly a {@code kill -9}; {@link #terminate()} is a SIGTERM.
 */
final class ServiceProcess {

    /** Start-up takes 5-15 s on a small machine; leave room for a loaded one. */
    static final Duration START_DEADLINE = Duration.ofSeconds(60);

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /**
     * Launches the jar through the launcher, waiting only until the launcher has become the JVM
     * (it execs java; the first launch after a build records the class-data sharing archive
     * first), not for the service; see {@link #awaitHealthy()}.
     */
    static ServiceProcess launch(String name, Path folder, Map<String, String> env) {
        String jar = System.getProperty("service.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("system property service.jar must name the packaged jar (run through "
                    + "maven-failsafe after package), got " + jar);
        }
        // The working directory of the tests is the project root (Maven's basedir).
        Path launcher = Path.of("bin", "ingestion-service").toAbsolutePath();
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("no executable launcher at " + launcher + ": run the tests from the "
                    + "project root, as Maven does");
        }
        int port = freePort();
        Path log = folder.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(launcher.toString())
                .directory(folder.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        // Only what the test says: no INGEST_*, PORT or JAVA_OPTS leaking in from the environment of the build.
        Map<String, String> environment = builder.environment();
        environment
                .keySet()
                .removeIf(key -> key.startsWith("INGEST_") || key.equals("PORT") || key.equals("JAVA_OPTS"));
        environment.put("JAVA_HOME", System.getProperty("java.home"));
        environment.put("INGEST_JAR", jar);
        // C1 only: a faster start, and these tests do not need the throughput.
        environment.put("JAVA_OPTS", "-XX:TieredStopAtLevel=1");
        // Sharing on, as in production; -Dservice.cds=off to compare.
        environment.put("INGEST_CDS", System.getProperty("service.cds", "on"));
        environment.putAll(env);
        environment.put("PORT", String.valueOf(port));
        try {
            Process process = builder.start();
            // Should the test JVM end without its @AfterEach running, the child must not outlive it.
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            ServiceProcess child = new ServiceProcess(name, port, log, process);
            child.awaitJvm();
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until the launcher has exec'd java, so that the child is the service's JVM from here
     * on, as with {@code java -jar} (FailoverIT finds the pid among the java children), or has
     * exited (awaitHealthy or awaitExit tell).
     */
    private void awaitJvm() {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (process.isAlive() && !process.info().command().orElse("").endsWith("/java")) {
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new AssertionError(name + ": the launcher did not start java within " + START_DEADLINE
                        + "; its output:\n" + output());
            }
            pause(Duration.ofMillis(20));
        }
    }

    /** Waits until {@code GET /health} answers 200; fails at once if the process exits instead. */
    ServiceProcess awaitHealthy() {
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with code " + process.exitValue()
                        + " before answering /health; its output:\n" + output());
            }
            if (healthStatus() == 200) {
                return this;
            }
            pause(Duration.ofMillis(200));
        }
        throw new AssertionError(
                name + " did not answer /health with 200 within " + START_DEADLINE + "; its output:\n" + output());
    }

    /** The status of {@code GET /health}, or -1 when nothing answers. */
    int healthStatus() {
        return status("/health");
    }

    /** The status of a GET of {@code path}, or -1 when nothing answers (the port is closed, say). */
    int status(String path) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(uri(path))
                                    .timeout(Duration.ofSeconds(2))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** SIGKILL, then waits until the process is gone (and its file lock with it). */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " (pid " + process.pid() + ") survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * SIGTERM on Linux, as a platform stops a service: the JVM runs its shutdown hooks (Spring's
     * graceful shutdown among them). Returns at once; see {@link #awaitExit}.
     */
    void terminate() {
        process.destroy();
    }

    /** Waits for the process to end on its own; returns its exit code, or null if it still runs at the deadline. */
    Integer awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String name() {
        return name;
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no output)";
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The children of one test: prints their output when the test fails, and kills every one of
     * them after each test, passed or failed. Register with {@code @RegisterExtension}.
     */
    static final class Children implements AfterTestExecutionCallback, AfterEachCallback {

        private final List<ServiceProcess> started = new ArrayList<>();

        ServiceProcess launch(String name, Path folder, Map<String, String> env) {
            ServiceProcess child = ServiceProcess.launch(name, folder, env);
            synchronized (started) {
                started.add(child);
            }
            return child;
        }

        /** Launches and waits for {@code /health}. */
        ServiceProcess start(String name, Path folder, Map<String, String> env) {
            return launch(name, folder, env).awaitHealthy();
        }

        static Map<String, String> env(Path folder, String... keyValues) {
            Map<String, String> env = new HashMap<>();
            env.put("INGEST_DB_URL", TestStores.h2Url(folder));
            for (int i = 0; i < keyValues.length; i += 2) {
                env.put(keyValues[i], keyValues[i + 1]);
            }
            return env;
        }

        @Override
        public void afterTestExecution(ExtensionContext context) {
            if (context.getExecutionException().isEmpty()) {
                return;
            }
            synchronized (started) {
                for (ServiceProcess child : started) {
                    System.err.printf(
                            "%n===== output of %s (port %d, %s) =====%n%s%n===== end of %s =====%n",
                            child.name, child.port, child.isAlive() ? "running" : "ended", child.output(), child.name);
                }
            }
        }

        @Override
        public void afterEach(ExtensionContext context) {
            synchronized (started) {
                for (ServiceProcess child : started) {
                    if (child.isAlive()) {
                        child.process.destroyForcibly();
                    }
                }
                for (ServiceProcess child : started) {
                    try {
                        child.process.waitFor(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                started.clear();
            }
        }
    }
}
