package dev.ingestion.upstream;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Reads an answer's body up to a limit and stops reading past it (cancelling the subscription,
 * which closes the connection), so a huge or endless answer costs at most the limit in memory.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<BoundedBody.Result> {

    /** The whole body, or the news that it was larger than the limit. */
    sealed interface Result {}

    record Complete(byte[] bytes) implements Result {}

    record TooLarge() implements Result {}

    private final long limit;
    private final boolean keep;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private final AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    private volatile boolean aborted;
    private long received;

    private BoundedBody(long limit, boolean keep) {
        this.limit = limit;
        this.keep = keep;
    }

    /**
     * A 2xx body is kept up to {@code limit}; any other is read up to {@code errorLimit} and dropped
     * (only its status matters, and reading a short one to the end keeps the connection reusable).
     * A declared {@code Content-Length} over the limit is refused before a byte is read.
     */
    static HttpResponse.BodyHandler<Result> handler(long limit, long errorLimit, Consumer<BoundedBody> created) {
        return info -> {
            boolean success = info.statusCode() / 100 == 2;
            BoundedBody body = new BoundedBody(success ? limit : errorLimit, success);
            if (declaredLength(info).orElse(0) > body.limit) {
                body.result.complete(new TooLarge());
            }
            created.accept(body);
            return body;
        };
    }

    private static OptionalLong declaredLength(HttpResponse.ResponseInfo info) {
        try {
            return info.headers().firstValueAsLong("Content-Length");
        } catch (NumberFormatException malformed) {
            return OptionalLong.empty();
        }
    }

    /** Stops reading: the caller has given up on this answer. */
    void abort() {
        aborted = true;
        Flow.Subscription current = subscription.get();
        if (current != null) {
            current.cancel();
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        if (!subscription.compareAndSet(null, s)) {
            s.cancel();
            return;
        }
        if (aborted || result.isDone()) {
            s.cancel();
            return;
        }
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer buffer : buffers) {
            received += buffer.remaining();
            if (received > limit) {
                result.complete(new TooLarge());
                subscription.get().cancel();
                return;
            }
            if (keep) {
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }
        subscription.get().request(1);
    }

    @Override
    public void onError(Throwable failure) {
        result.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        result.complete(new Complete(bytes.toByteArray()));
    }

    @Override
    public CompletionStage<Result> getBody() {
        return result;
    }
}
