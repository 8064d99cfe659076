package dev.ingestion.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import org.springframework.http.HttpStatus;

import dev.ingestion.web.ApiException;

/**
 * Reads a request body whole, within a size limit and a deadline for the whole body. Tomcat's
 * read timeout bounds one read, so a client that sends a byte a second would hold a request
 * thread for as long as it likes; the deadline is checked after every read and answers 408.
 * A read that blocks on a client that sends nothing ends at Tomcat's read timeout
 * ({@code server.tomcat.connection-timeout}), and is answered 408 too.
 */
final class BodyReader {

    /** Enough for any ordinary request in one array; larger bodies grow as their bytes arrive. */
    private static final int FIRST_ARRAY = 64 * 1024;

    private final long maxBody;
    private final long deadlineNanos;
    private final Duration deadline;

    BodyReader(long maxBody, Duration deadline) {
        this.maxBody = maxBody;
        this.deadline = deadline;
        this.deadlineNanos = deadline.toNanos();
    }

    /** {@code declared}: the request's Content-Length, or -1 if it sent none (chunked). */
    byte[] read(InputStream in, long declared) {
        if (declared > maxBody) {
            throw tooLarge();
        }
        long started = System.nanoTime();
        // At most the declared length and never more than the limit allows; the array grows with
        // the bytes that arrive, so a client that declares 32 MB and sends nothing costs nothing.
        long cap = declared >= 0 ? declared : maxBody + 1;
        byte[] body = new byte[(int) Math.min(cap, FIRST_ARRAY)];
        int length = 0;
        try (in) {
            while (length < cap) {
                if (length == body.length) {
                    body = Arrays.copyOf(body, (int) Math.min(cap, 2L * body.length));
                }
                int read = in.read(body, length, body.length - length);
                if (read < 0) {
                    break;
                }
                length += read;
                if (System.nanoTime() - started > deadlineNanos) {
                    throw tooSlow();
                }
            }
        } catch (IOException e) {
            if (System.nanoTime() - started > deadlineNanos || causedByTimeout(e)) {
                throw tooSlow();
            }
            // The client went away mid-body or broke its chunked encoding: a client's fault,
            // answered (if anyone still listens) like any body that cannot be parsed.
            throw ApiException.invalid(
                    Map.of("body", "could not be read: the connection failed or its chunked encoding is broken"));
        }
        if (length > maxBody) {
            throw tooLarge();
        }
        return length == body.length ? body : Arrays.copyOf(body, length);
    }

    private static boolean causedByTimeout(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private ApiException tooLarge() {
        return new ApiException(
                HttpStatus.CONTENT_TOO_LARGE,
                "Request body too large",
                Map.of("body", "at most " + maxBody + " bytes"));
    }

    private ApiException tooSlow() {
        return new ApiException(
                HttpStatus.REQUEST_TIMEOUT,
                "Request body too slow",
                Map.of("body", "must arrive whole within " + describe(deadline)));
    }

    private static String describe(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }
}
