package dev.ingestion.store;

/**
 * What a request's {@code Idempotency-Key} stores with its ingestion, in the same commit.
 *
 * @param scope the API key's name, or '' when keys are off: keys of different callers never meet
 * @param fingerprint a hash of the parsed request, to tell a retry from another request reusing the key
 * @param status the HTTP status the first request was answered with, to answer a retry alike
 */
public record IdempotencyKey(String scope, String key, String fingerprint, int status) {

    /** What tells keys apart: the scope and the key, whatever request came with it. */
    public record Name(String scope, String key) {}

    public Name name() {
        return new Name(scope, key);
    }
}
