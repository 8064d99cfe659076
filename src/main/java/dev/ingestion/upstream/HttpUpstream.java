package dev.ingestion.upstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import tools.jackson.databind.JsonNode;

/**
 * Fetches records with HTTP GETs through one JDK client (pooled connections, HTTP/2 where the
 * upstream offers it): one GET per distinct id for an {@code {id}} template, one per call for
 * {@code {ids}}. Every failure is an outcome, so the futures never complete exceptionally.
 *
 * <p>For {@code {ids}} each record must fit the record limit, and the whole answer may be as large
 * as the limit times the number of distinct ids asked for.
 */
public final class HttpUpstream implements Upstream {

    /** Error bodies are read this far and dropped: a short one leaves its connection reusable. */
    private static final long ERROR_BODY_LIMIT = 16 * 1024;
    /** Before any answer, estimates assume a typical API's second (never more than the timeout). */
    private static final Duration FIRST_LATENCY_GUESS = Duration.ofSeconds(1);
    /** Each observed latency moves the average by an eighth, as TCP smooths its round-trip time. */
    private static final int LATENCY_SMOOTHING = 8;

    private final UrlTemplate template;
    private final Map<String, String> headers;
    private final Duration timeout;
    private final long maxRecord;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final HttpClient client;
    private final AtomicLong latencyNanos;

    /**
     * @param urlTemplate {@code INGEST_UPSTREAM_URL}, with {@code {id}} or {@code {ids}}
     * @param headers extra request headers; their values are secrets and are never shown
     * @param clock turns a {@code Retry-After} date into a wait
     * @param timer times each call's deadline, which covers the body as well as the headers
     * @param executor runs the client's work, or null for the client's own
     */
    public HttpUpstream(
            String urlTemplate,
            Map<String, String> headers,
            Duration timeout,
            long maxRecordBytes,
            Clock clock,
            ScheduledExecutorService timer,
            Executor executor) {
        this.template = UrlTemplate.parse(urlTemplate);
        this.headers = Map.copyOf(headers);
        this.timeout = timeout;
        this.maxRecord = maxRecordBytes;
        this.clock = clock;
        this.timer = timer;
        this.latencyNanos =
                new AtomicLong((FIRST_LATENCY_GUESS.compareTo(timeout) <= 0 ? FIRST_LATENCY_GUESS : timeout).toNanos());
        this.headers.forEach((name, value) -> {
            try {
                HttpRequest.newBuilder().header(name, value);
            } catch (IllegalArgumentException refused) {
                // the JDK's message may quote the value
                throw new IllegalArgumentException(
                        "INGEST_UPSTREAM_HEADERS: the client cannot send the header " + name);
            }
        });
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout);
        if (executor != null) {
            builder.executor(executor);
        }
        this.client = builder.build();
    }

    @Override
    public List<CompletableFuture<Outcome>> fetch(List<Integer> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        if (template.batched()) {
            List<Integer> distinct = List.copyOf(new LinkedHashSet<>(ids));
            CompletableFuture<Map<Integer, Outcome>> call =
                    call(template.uri(distinct), maxRecord * distinct.size(), answer -> together(answer, distinct));
            return ids.stream()
                    .map(id -> call.thenApply(outcomes -> outcomes.get(id)))
                    .toList();
        }
        // a repeated id is asked for once: the upstream's allowance is the scarce thing
        Map<Integer, CompletableFuture<Outcome>> calls = new HashMap<>();
        return ids.stream()
                .map(id -> calls.computeIfAbsent(id, one -> call(template.uri(List.of(one)), maxRecord, this::alone))
                        .copy())
                .toList();
    }

    @Override
    public Duration expectedLatency() {
        return Duration.ofNanos(latencyNanos.get());
    }

    @Override
    public String toString() {
        return "HttpUpstream[GET " + template + ", timeout " + timeout + ", headers " + headers.keySet() + "]";
    }

    /** What one answer means for every id of the call; an unreadable answer cannot be stored. */
    private <T> CompletableFuture<T> call(URI uri, long limit, Function<Answer, T> meaning) {
        return send(uri, limit).handle((answer, error) -> {
            if (error != null) {
                return meaning.apply(new Answer(0, HttpHeaders.of(Map.of(), (n, v) -> true), null, failure(error)));
            }
            try {
                return meaning.apply(answer);
            } catch (RuntimeException unreadable) {
                return meaning.apply(new Answer(
                        answer.status(),
                        answer.headers(),
                        null,
                        new Outcome.Final(new Outcome.Failure(
                                "invalid", answer.status(), "the upstream's answer could not be read"))));
            }
        });
    }

    private Outcome alone(Answer answer) {
        if (answer.failed() != null) {
            return answer.failed();
        }
        if (answer.status() / 100 != 2) {
            return Answers.ofStatus(answer.status(), answer.headers().firstValue("Retry-After"), clock);
        }
        if (!(answer.body() instanceof BoundedBody.Complete complete)) {
            return tooLarge(answer.status(), "record larger than " + Answers.size(maxRecord));
        }
        return new Outcome.Fetched(Answers.record(text(answer, complete)));
    }

    private Map<Integer, Outcome> together(Answer answer, List<Integer> ids) {
        Map<Integer, Outcome> outcomes = new HashMap<>();
        Outcome shared = null;
        Map<Integer, JsonNode> records = Map.of();
        if (answer.failed() != null || answer.status() / 100 != 2) {
            shared = alone(answer);
        } else if (!(answer.body() instanceof BoundedBody.Complete complete)) {
            shared = tooLarge(
                    answer.status(),
                    "answer larger than " + Answers.size(maxRecord * ids.size()) + " (" + Answers.size(maxRecord)
                            + " per id)");
        } else {
            try {
                records = Answers.byId(text(answer, complete));
            } catch (IllegalArgumentException unusable) {
                shared = new Outcome.Final(new Outcome.Failure("invalid", answer.status(), unusable.getMessage()));
            }
        }
        for (int id : ids) {
            outcomes.put(id, shared != null ? shared : recordOf(id, records.get(id), answer.status()));
        }
        return outcomes;
    }

    private Outcome recordOf(int id, JsonNode record, int status) {
        if (record == null) {
            return new Outcome.Final(
                    new Outcome.Failure("missing", status, "id " + id + " missing from the upstream's answer"));
        }
        String json = Answers.compact(record);
        if (json.getBytes(StandardCharsets.UTF_8).length > maxRecord) {
            return tooLarge(status, "record larger than " + Answers.size(maxRecord));
        }
        return new Outcome.Fetched(json);
    }

    /**
     * One GET with a deadline of its own: the client's request timeout stops waiting for the
     * headers only, so a body that trickles in would otherwise hold the call for ever.
     */
    private CompletableFuture<Answer> send(URI uri, long limit) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET();
        headers.forEach(request::setHeader);
        AtomicReference<BoundedBody> body = new AtomicReference<>();
        long started = System.nanoTime();
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        CompletableFuture<HttpResponse<BoundedBody.Result>> response;
        try {
            response = client.sendAsync(request.build(), BoundedBody.handler(limit, ERROR_BODY_LIMIT, body::set));
        } catch (RuntimeException refused) {
            return CompletableFuture.failedFuture(refused);
        }
        ScheduledFuture<?> deadline = timer.schedule(
                () -> {
                    if (answer.completeExceptionally(new HttpTimeoutException("deadline"))) {
                        response.cancel(true);
                        BoundedBody reading = body.get();
                        if (reading != null) {
                            reading.abort();
                        }
                    }
                },
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        response.whenComplete((done, error) -> {
            deadline.cancel(false);
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(new Answer(done.statusCode(), done.headers(), done.body(), null));
            }
        });
        return answer.whenComplete((done, error) -> {
            if (error == null || unwrap(error) instanceof HttpTimeoutException) {
                observe(Duration.ofNanos(System.nanoTime() - started));
            }
        });
    }

    private Outcome failure(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof HttpConnectTimeoutException) {
            return connection("could not connect within " + Answers.seconds(timeout));
        }
        if (cause instanceof HttpTimeoutException) {
            return new Outcome.Transient(
                    new Outcome.Failure("timeout", 0, "no answer within " + Answers.seconds(timeout)), null, false);
        }
        if (cause instanceof IOException || cause instanceof UncheckedIOException) {
            return connection("could not reach the upstream (" + describe(cause) + ")");
        }
        return connection("the upstream call failed (" + cause.getClass().getSimpleName() + ")");
    }

    private static Outcome connection(String message) {
        return new Outcome.Transient(new Outcome.Failure("connection", 0, message), null, false);
    }

    private static Outcome tooLarge(int status, String message) {
        return new Outcome.Final(new Outcome.Failure("too_large", status, message));
    }

    /** The first message along the causes, with any header value blanked out, just in case. */
    private String describe(Throwable cause) {
        for (Throwable at = cause; at != null; at = at.getCause()) {
            if (at.getMessage() != null && !at.getMessage().isBlank()) {
                String message = at.getMessage();
                for (String secret : headers.values()) {
                    message = message.replace(secret, "***");
                }
                return message;
            }
        }
        return cause.getClass().getSimpleName();
    }

    private void observe(Duration latency) {
        long nanos = latency.toNanos();
        latencyNanos.accumulateAndGet(nanos, (average, seen) -> average + (seen - average) / LATENCY_SMOOTHING);
    }

    private static String text(Answer answer, BoundedBody.Complete body) {
        return Answers.text(body.bytes(), answer.headers().firstValue("Content-Type"));
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** An answer read within its limit, or the outcome reached without one. */
    private record Answer(int status, HttpHeaders headers, BoundedBody.Result body, Outcome failed) {}
}
