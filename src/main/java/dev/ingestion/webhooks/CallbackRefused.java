package dev.ingestion.webhooks;

/**
 * A callback URL the service will not call. The message is written for the client that gave the
 * URL: it goes out as is in a 400's body, and in a delivery's recorded error when DNS changed since.
 */
public final class CallbackRefused extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CallbackRefused(String message) {
        super(message);
    }
}
