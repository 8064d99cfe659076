package dev.ingestion.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.ingestion.upstream.Outcome;
import dev.ingestion.upstream.Upstream;

/** An upstream whose fetches complete when the test says so. */
public final class ManualUpstream implements Upstream {

    public record Fetch(int id, CompletableFuture<Outcome> result) {

        public void succeed() {
            result.complete(new Outcome.Fetched("{\"id\":" + id + ",\"data\":\"processed\"}"));
        }

        /** A failure worth trying again: a 500, or a 429 ({@code throttled}) asking to wait {@code retryAfter}. */
        public void failTransiently(int status, Duration retryAfter) {
            result.complete(new Outcome.Transient(
                    new Outcome.Failure("http", status, "HTTP " + status + " from the upstream"),
                    retryAfter,
                    status == 429 || status == 503 && retryAfter != null));
        }

        /** A failure never worth trying again. */
        public void failForGood(int status) {
            result.complete(
                    new Outcome.Final(new Outcome.Failure("http", status, "HTTP " + status + " from the upstream")));
        }

        public void fail() {
            result.complete(
                    new Outcome.Transient(new Outcome.Failure("http", 500, "upstream said no to " + id), null, false));
        }
    }

    private final List<Fetch> fetches = new ArrayList<>();
    private final boolean answerAtOnce;

    public ManualUpstream() {
        this(false);
    }

    private ManualUpstream(boolean answerAtOnce) {
        this.answerAtOnce = answerAtOnce;
    }

    /** An upstream that answers every fetch as soon as it is sent. */
    public static ManualUpstream answeringAtOnce() {
        return new ManualUpstream(true);
    }

    @Override
    public synchronized List<CompletableFuture<Outcome>> fetch(List<Integer> ids) {
        return ids.stream().map(this::fetch).toList();
    }

    private CompletableFuture<Outcome> fetch(int id) {
        Fetch fetch = new Fetch(id, new CompletableFuture<>());
        fetches.add(fetch);
        if (answerAtOnce) {
            fetch.succeed();
        }
        return fetch.result();
    }

    @Override
    public Duration expectedLatency() {
        return Duration.ofSeconds(1);
    }

    /** Every fetch sent so far, oldest first. */
    public synchronized List<Fetch> fetches() {
        return List.copyOf(fetches);
    }

    public synchronized List<Integer> fetchedIds() {
        return fetches.stream().map(Fetch::id).toList();
    }

    public synchronized void completeAll() {
        fetches.stream().filter(f -> !f.result().isDone()).forEach(Fetch::succeed);
    }
}
