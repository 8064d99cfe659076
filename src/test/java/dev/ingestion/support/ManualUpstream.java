package dev.ingestion.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import dev.ingestion.upstream.Upstream;

/** An upstream whose fetches complete when the test says so. */
public final class ManualUpstream implements Upstream {

    public record Fetch(int id, CompletableFuture<String> result) {

        public void succeed() {
            result.complete("{\"id\":" + id + ",\"data\":\"processed\"}");
        }

        public void fail() {
            result.completeExceptionally(new IllegalStateException("upstream said no to " + id));
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
    public synchronized CompletableFuture<String> fetch(int id) {
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
