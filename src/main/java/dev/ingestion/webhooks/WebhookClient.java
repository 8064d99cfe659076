package dev.ingestion.webhooks;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/** Sends one webhook. Implementations never throw for what the receiver or the network did. */
interface WebhookClient {

    Answer post(URI url, Map<String, String> headers, byte[] body);

    /**
     * @param status the receiver's status code; null when none came (timeout, refused, not allowed)
     * @param retryAfter the answer's Retry-After; null when it gave none
     * @param error what went wrong, for the delivery log; null on success
     */
    record Answer(Integer status, Duration retryAfter, String error) {

        static Answer status(int status, Duration retryAfter) {
            boolean ok = status >= 200 && status < 300;
            return new Answer(status, retryAfter, ok ? null : "HTTP " + status);
        }

        static Answer failed(String error) {
            return new Answer(null, null, error);
        }

        boolean delivered() {
            return status != null && status >= 200 && status < 300;
        }

        boolean gone() {
            return status != null && status == 410;
        }
    }
}
