package dev.ingestion.upstream;

import java.time.Duration;

/** What the upstream's answer for one id came to: a record, a failure worth trying again, or a final one. */
public sealed interface Outcome {

    /** The record, as JSON text. */
    record Fetched(String json) implements Outcome {}

    /**
     * Worth trying again at a later slot: a timeout, a connection error, 408, 429 or 5xx.
     *
     * @param retryAfter how long the upstream asked to wait (its {@code Retry-After}), or null
     * @param throttled whether the upstream said it is pushed too hard (429, or 503 with {@code Retry-After})
     */
    record Transient(Failure failure, Duration retryAfter, boolean throttled) implements Outcome {}

    /** Never worth trying again: another 4xx, an answer that cannot be stored, an id missing from the answer. */
    record Final(Failure failure) implements Outcome {}

    /**
     * Why a fetch failed.
     *
     * @param kind {@code timeout}, {@code connection}, {@code http}, {@code too_large}, {@code missing}
     *     or {@code invalid}
     * @param status the HTTP status, or 0 when there was no answer
     */
    record Failure(String kind, int status, String message) {}
}
