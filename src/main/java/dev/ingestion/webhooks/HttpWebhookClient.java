package dev.ingestion.webhooks;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import dev.ingestion.upstream.Answers;

/**
 * POSTs webhooks with the JDK's client. Redirects are not followed (a 3xx is a failed attempt: a
 * redirect could lead to an address the checks never saw), and the URL's host is resolved and
 * checked against private ranges again before every attempt, since its DNS may have changed
 * since it was submitted. The answer's body is not read.
 */
final class HttpWebhookClient implements WebhookClient {

    private final HttpClient client;
    private final CallbackAddresses addresses;
    private final Duration timeout;
    private final Clock clock;

    HttpWebhookClient(CallbackAddresses addresses, Duration timeout, Clock clock) {
        this.client = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
        this.addresses = addresses;
        this.timeout = timeout;
        this.clock = clock;
    }

    @Override
    public Answer post(URI url, Map<String, String> headers, byte[] body) {
        try {
            addresses.checkResolved(url);
        } catch (CallbackRefused refused) {
            return Answer.failed(refused.getMessage());
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(url)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "ingestion-service-webhooks")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            Duration retryAfter = response.headers()
                    .firstValue("Retry-After")
                    .map(text -> Answers.retryAfter(text, clock))
                    .orElse(null);
            return Answer.status(response.statusCode(), retryAfter);
        } catch (HttpTimeoutException e) {
            return Answer.failed("no answer within " + timeout.toMillis() + " ms");
        } catch (IOException e) {
            return Answer.failed(
                    e.getMessage() == null
                            ? e.getClass().getSimpleName()
                            : e.getClass().getSimpleName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.failed("interrupted: the instance is shutting down");
        }
    }
}
