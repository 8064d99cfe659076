package dev.ingestion.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.EmptyWebhookSecretException;
import com.standardwebhooks.exceptions.WebhookSigningException;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook receiver for tests: listens on 127.0.0.1 on a free port, records every request and
 * checks its signature with the Standard Webhooks reference library, never with our {@link
 * Signatures}, so a test passes only if what the service sends verifies the way a real receiver
 * would verify it. Its answers are scripted, and it can go down and come back on the same port to
 * play a receiver that is away for a while.
 *
 * <p>It listens on loopback, so a service delivering to it needs INGEST_WEBHOOK_ALLOW_PRIVATE=true.
 */
public final class Receiver implements AutoCloseable {

    private static final int OK = 200;

    /**
     * One request as it arrived.
     *
     * @param verified whether the reference library's {@code verify} took it with one of the
     *     receiver's secrets: signature and the library's five-minute window around the system
     *     clock's now
     * @param signatureMatches whether one of the header's {@code v1} signatures is right for one of
     *     the receiver's secrets, whatever the timestamp: for services running on a fake clock
     * @param verificationFailure the library's reasons when not verified, else null
     * @param answeredWith the status the receiver answered, or 0 when writing the answer failed
     */
    public record Delivery(
            String method,
            String path,
            Map<String, List<String>> headers,
            String webhookId,
            String webhookTimestamp,
            String webhookSignature,
            String body,
            Instant arrivedAt,
            int answeredWith,
            boolean verified,
            boolean signatureMatches,
            String verificationFailure) {

        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        @Override
        public String toString() {
            return method + " " + path + " webhook-id=" + webhookId + " webhook-timestamp=" + webhookTimestamp + " at "
                    + arrivedAt + " answered " + answeredWith
                    + (verified ? " verified" : " NOT verified (" + verificationFailure + ")")
                    + " body=" + (body.length() > 200 ? body.substring(0, 200) + "..." : body);
        }
    }

    private record Answer(int status, String retryAfter, Duration delay) {}

    private final List<Webhook> verifiers;
    private final Clock clock = Clock.systemUTC();
    private final ExecutorService handlers;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final List<Delivery> deliveries = new ArrayList<>();
    private final List<String> arrivals = new ArrayList<>();
    private final Deque<Answer> next = new ArrayDeque<>();
    private Answer always = new Answer(OK, null, Duration.ZERO);
    private HttpServer server;
    private int port;

    private Receiver(List<Webhook> verifiers) {
        this.verifiers = verifiers;
        // the JDK's server handles one exchange at a time without an executor; a slow answer must not hold up the rest
        this.handlers = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "webhook-receiver");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts listening on a free port.
     *
     * @param secretSetting the receiver's secrets as INGEST_WEBHOOK_SECRET spells them; a delivery
     *     verifies if it does with any one of them, so pass one secret to play a receiver that has
     *     only the old (or only the new) secret while the service rotates
     */
    public static Receiver start(String secretSetting) {
        List<Webhook> verifiers = new ArrayList<>();
        for (String secret : secretSetting.strip().split("\\s+")) {
            try {
                verifiers.add(new Webhook(secret));
            } catch (EmptyWebhookSecretException e) {
                throw new IllegalArgumentException("a receiver's secret must not be empty", e);
            }
        }
        Receiver receiver = new Receiver(List.copyOf(verifiers));
        receiver.listen(0);
        return receiver;
    }

    public int port() {
        return port;
    }

    /** This receiver's address with the given path, e.g. {@code url("/hooks")}. */
    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port + (path.startsWith("/") ? path : "/" + path));
    }

    /** The next request not yet scripted gets this status; scripted answers are used in order, then {@link #answerAlways}'s. */
    public void answerNext(int status) {
        script(new Answer(status, null, Duration.ZERO));
    }

    /** As {@link #answerNext(int)}, with a Retry-After header of this value (seconds or an HTTP date). */
    public void answerNext(int status, String retryAfter) {
        script(new Answer(status, retryAfter, Duration.ZERO));
    }

    /** As {@link #answerNext(int)}, but only after holding the request this long: to let a sender's timeout fire. */
    public void answerNextAfter(Duration delay, int status) {
        script(new Answer(status, null, delay));
    }

    /** The status for every request that no {@code answerNext} scripted; 200 until set. */
    public void answerAlways(int status) {
        lock.lock();
        try {
            always = new Answer(status, null, Duration.ZERO);
        } finally {
            lock.unlock();
        }
    }

    private void script(Answer answer) {
        lock.lock();
        try {
            next.addLast(answer);
        } finally {
            lock.unlock();
        }
    }

    /** Stops listening: connections are refused until {@link #up()}. */
    public void down() {
        lock.lock();
        try {
            if (server != null) {
                server.stop(0);
                server = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Listens again on the same port, so URLs handed out before still reach it. */
    public void up() {
        lock.lock();
        try {
            if (server == null) {
                listen(port);
            }
        } finally {
            lock.unlock();
        }
    }

    private void listen(int wanted) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), wanted), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("the receiver cannot listen on 127.0.0.1:" + wanted, e);
        }
        server.setExecutor(handlers);
        server.createContext("/", this::handle);
        server.start();
        port = server.getAddress().getPort();
    }

    /** Every request so far, in order of arrival. */
    public List<Delivery> deliveries() {
        lock.lock();
        try {
            return List.copyOf(deliveries);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at least {@code count} requests have arrived, and answers all that have.
     *
     * @throws AssertionError at the deadline, listing what did arrive
     */
    public List<Delivery> awaitDeliveries(int count, Duration deadline) {
        return awaitDeliveries(null, count, deadline);
    }

    /**
     * The webhook-ids of the first {@code count} requests as they arrived, before they were answered
     * (a held answer is recorded as a delivery only once it is sent).
     */
    public List<String> awaitArrivals(int count, Duration deadline) {
        long remaining = deadline.toNanos();
        lock.lock();
        try {
            while (arrivals.size() < count) {
                if (remaining <= 0) {
                    throw new AssertionError(arrivals.size() + " of " + count + " requests arrived within " + deadline
                            + ": " + arrivals);
                }
                remaining = arrived.awaitNanos(remaining);
            }
            return List.copyOf(arrivals.subList(0, count));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + count + " arrivals");
        } finally {
            lock.unlock();
        }
    }

    /** As {@link #awaitDeliveries(int, Duration)}, counting only the requests to {@code path} (all: null). */
    public List<Delivery> awaitDeliveries(String path, int count, Duration deadline) {
        long remaining = deadline.toNanos();
        lock.lock();
        try {
            List<Delivery> matching;
            while ((matching = to(path)).size() < count) {
                if (remaining <= 0) {
                    throw new AssertionError("the receiver got " + matching.size() + " of " + count
                            + " deliveries" + (path == null ? "" : " to " + path) + " within " + deadline
                            + describe(deliveries));
                }
                remaining = arrived.awaitNanos(remaining);
            }
            return matching;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for " + count + " deliveries" + describe(deliveries));
        } finally {
            lock.unlock();
        }
    }

    private List<Delivery> to(String path) {
        return deliveries.stream()
                .filter(delivery -> path == null || delivery.path().equals(path))
                .toList();
    }

    private static String describe(List<Delivery> deliveries) {
        StringBuilder text = new StringBuilder(deliveries.isEmpty() ? ": none" : ":");
        for (Delivery delivery : deliveries) {
            text.append("\n  ").append(delivery);
        }
        return text.toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        Instant arrivedAt = clock.instant();
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
        Answer answer;
        lock.lock();
        try {
            answer = next.isEmpty() ? always : next.removeFirst();
            arrivals.add(first(headers, "webhook-id"));
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        String failure = verify(body, headers);
        boolean matches = signatureMatches(body, headers);
        int answeredWith = 0;
        try {
            if (!answer.delay().isZero()) {
                Thread.sleep(answer.delay().toMillis());
            }
            if (answer.retryAfter() != null) {
                exchange.getResponseHeaders().set("Retry-After", answer.retryAfter());
            }
            exchange.sendResponseHeaders(answer.status(), -1);
            answeredWith = answer.status();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the sender gave up (its timeout): the request still arrived and is recorded as such
        } finally {
            exchange.close();
            record(new Delivery(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().toString(),
                    Collections.unmodifiableMap(headers),
                    first(headers, "webhook-id"),
                    first(headers, "webhook-timestamp"),
                    first(headers, "webhook-signature"),
                    body,
                    arrivedAt,
                    answeredWith,
                    failure == null,
                    matches,
                    failure));
        }
    }

    private void record(Delivery delivery) {
        lock.lock();
        try {
            deliveries.add(delivery);
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The library's reasons for refusing, or null when one of the secrets verifies. */
    private String verify(String body, Map<String, List<String>> headers) {
        Set<String> reasons = new LinkedHashSet<>();
        for (Webhook verifier : verifiers) {
            try {
                verifier.verify(body, headers);
                return null;
            } catch (WebhookVerificationException e) {
                reasons.add(e.getMessage());
            }
        }
        return String.join("; ", reasons);
    }

    private boolean signatureMatches(String body, Map<String, List<String>> headers) {
        String id = first(headers, "webhook-id");
        String timestamp = first(headers, "webhook-timestamp");
        String signature = first(headers, "webhook-signature");
        if (id == null || timestamp == null || signature == null) {
            return false;
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return false;
        }
        for (Webhook verifier : verifiers) {
            byte[] expected;
            try {
                expected = verifier.sign(id, seconds, body).getBytes(StandardCharsets.UTF_8);
            } catch (WebhookSigningException e) {
                return false;
            }
            for (String given : signature.split(" ")) {
                if (MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public void close() {
        down();
        handlers.shutdownNow();
        try {
            handlers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
