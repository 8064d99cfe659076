package dev.ingestion.ingest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.ingestion.access.Caller;
import dev.ingestion.store.Callback;
import dev.ingestion.store.IdempotencyKey;
import dev.ingestion.web.ApiException;
import dev.ingestion.webhooks.CallbackRefused;
import dev.ingestion.webhooks.Callbacks;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

@RestController
@Tag(name = "Ingest")
class IngestController {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final Ingestions ingestions;
    private final IngestRequestParser parser;
    private final Quota quota;
    private final BodyReader bodies;
    private final Callbacks callbacks;

    IngestController(Ingestions ingestions, IngestLimits limits, Quota quota, Callbacks callbacks) {
        this.ingestions = ingestions;
        this.quota = quota;
        this.callbacks = callbacks;
        this.parser = new IngestRequestParser(limits.maxIds());
        this.bodies = new BodyReader(limits.maxBodyBytes(), limits.bodyTimeout());
    }

    @Operation(
            summary = "Queue a list of ids for fetching at a priority",
            requestBody =
                    @io.swagger.v3.oas.annotations.parameters.RequestBody(
                            required = true,
                            content =
                                    @Content(
                                            mediaType = "application/json",
                                            schema = @Schema(implementation = IngestBody.class))),
            parameters =
                    @Parameter(
                            name = IDEMPOTENCY_KEY,
                            in = ParameterIn.HEADER,
                            description = "makes a retry safe: the same key with the same body answers what the first"
                                    + " request answered and stores nothing new (IETF draft; quoted or bare, 1-255"
                                    + " visible ASCII characters; kept at least INGEST_IDEMPOTENCY_TTL)",
                            schema = @Schema(type = "string", maxLength = IdempotencyKeys.MAX_LENGTH)),
            responses = {
                @ApiResponse(
                        responseCode = "200",
                        description = "stored: it survives a crash from now on (201 or 202 where INGEST_ACCEPT_STATUS"
                                + " says so); Location leads to its status",
                        content =
                                @Content(
                                        mediaType = "application/json",
                                        schema = @Schema(implementation = Accepted.class))),
                @ApiResponse(
                        responseCode = "400",
                        description = "not a JSON object of ids and priority: a bad field, a repeated one, malformed"
                                + " JSON or invalid UTF-8; details name what"),
                @ApiResponse(
                        responseCode = "408",
                        description = "the body did not arrive whole within INGEST_BODY_TIMEOUT"),
                @ApiResponse(
                        responseCode = "409",
                        description = "a request with this Idempotency-Key is still being stored"),
                @ApiResponse(
                        responseCode = "413",
                        description = "body, ids or quota limit passed by this request alone"),
                @ApiResponse(responseCode = "422", description = "this Idempotency-Key came with another body before"),
                @ApiResponse(
                        responseCode = "429",
                        description =
                                "the key's waiting ids would pass INGEST_MAX_WAITING_IDS_PER_KEY; see Retry-After")
            })
    @PostMapping("/ingest")
    void ingest(
            @RequestHeader(value = HttpHeaders.CONTENT_TYPE, required = false) String contentType,
            HttpServletRequest request,
            HttpServletResponse response)
            throws IOException {
        requireJson(contentType);
        Caller caller = Caller.of(request);
        String idempotencyKey = IdempotencyKeys.read(request.getHeaders(IDEMPOTENCY_KEY));
        IngestRequestParser.IngestRequest valid = parser.parse(readBody(request));
        Callback callback = callback(valid);
        if (quota.neverFits(valid.ids().length)) {
            throw new ApiException(
                    HttpStatus.CONTENT_TOO_LARGE,
                    "Request larger than the quota",
                    Map.of("ids", "at most " + quota.maxWaitingIds() + " ids of one key may wait at once"));
        }
        IdempotencyKey key = idempotencyKey == null
                ? null
                : new IdempotencyKey(caller.scope(), idempotencyKey, Fingerprint.of(valid), 0);
        Ingestions.Submitted submitted = ingestions.submit(valid.ids(), valid.priority(), caller.name(), key, callback);
        if (submitted instanceof Ingestions.Submitted.Accepted accepted) {
            writeAccepted(response, accepted);
        } else if (submitted instanceof Ingestions.Submitted.OverQuota over) {
            response.setHeader(
                    HttpHeaders.RETRY_AFTER,
                    Long.toString(quota.retryAfterSeconds(over.waitingIds(), valid.ids().length)));
            throw new ApiException(
                    HttpStatus.TOO_MANY_REQUESTS,
                    "Quota exceeded",
                    Map.of(
                            "ids",
                            over.waitingIds() + " ids of this key wait for an outcome; with these " + valid.ids().length
                                    + " they would pass the cap of " + quota.maxWaitingIds()));
        } else if (submitted instanceof Ingestions.Submitted.KeyInFlight) {
            throw new ApiException(
                    HttpStatus.CONFLICT,
                    "Request in progress",
                    Map.of(IDEMPOTENCY_KEY, "a request with this key is still being stored; send it again shortly"));
        } else {
            throw new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "Idempotency key reused",
                    Map.of(IDEMPOTENCY_KEY, "was first sent with another request body"));
        }
    }

    private Callback callback(IngestRequestParser.IngestRequest valid) {
        if (valid.callbackUrl() == null) {
            return null;
        }
        try {
            return callbacks.accept(valid.callbackUrl(), valid.callbackEvents());
        } catch (CallbackRefused refused) {
            throw ApiException.invalid(Map.of("callback_url", refused.getMessage()));
        }
    }

    /**
     * Written by hand, with its length: through a ResponseEntity and a message converter the
     * answer went out chunked in two writes, and picking the converter cost more CPU than
     * storing the ingestion (the HTTP layer alone went from about 5,700 to 13,000 requests/s).
     * The type is set, not negotiated: once stored, the answer must be the 200, whatever Accept
     * says.
     */
    private static void writeAccepted(HttpServletResponse response, Ingestions.Submitted.Accepted accepted)
            throws IOException {
        UUID id = accepted.ingestionId();
        byte[] body = ("{\"ingestion_id\":\"" + id + "\"}").getBytes(StandardCharsets.US_ASCII);
        if (accepted.replayed()) {
            // how Stripe and others tell a client that this answer was given before
            response.setHeader("Idempotent-Replayed", "true");
        }
        response.setStatus(accepted.status());
        response.setHeader(HttpHeaders.LOCATION, "/status/" + id);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static void requireJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType);
            if (MediaType.APPLICATION_JSON.isCompatibleWith(type) && !type.isWildcardType() && !type.isWildcardSubtype()
                    || "application".equals(type.getType()) && type.getSubtype().endsWith("+json")) {
                return;
            }
        } catch (InvalidMediaTypeException e) {
            // answered below like any other type we cannot read
        }
        throw new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json");
    }

    private byte[] readBody(HttpServletRequest request) throws IOException {
        return bodies.read(request.getInputStream(), request.getContentLengthLong());
    }

    /** The answer as the API docs show it. */
    @Schema(name = "IngestAccepted")
    record Accepted(@Schema(format = "uuid") String ingestion_id) {}

    /** The request body as the API docs show it; the controller reads the raw bytes itself. */
    @Schema(name = "IngestRequest")
    record IngestBody(
            @Schema(
                    description = "ids to fetch, each 1 <= id <= 1000000007; cut into batches in this order",
                    example = "[1, 2, 3, 4, 5]")
            long[] ids,

            @Schema(
                    allowableValues = {"HIGH", "MEDIUM", "LOW"},
                    example = "HIGH")
            String priority,

            @Schema(
                    requiredMode = Schema.RequiredMode.NOT_REQUIRED,
                    description = "where to POST signed webhooks about this ingestion (Standard Webhooks); an http(s)"
                            + " URL whose host resolves to public addresses only, unless INGEST_WEBHOOK_ALLOW_PRIVATE;"
                            + " refused while INGEST_WEBHOOK_SECRET is unset",
                    maxLength = IngestRequestParser.MAX_CALLBACK_URL,
                    example = "https://hooks.example.com/ingestion")
            String callback_url,

            @ArraySchema(
                    arraySchema =
                            @Schema(
                                    requiredMode = Schema.RequiredMode.NOT_REQUIRED,
                                    description = "the events sent to callback_url; default [\"ingestion.completed\"]"),
                    schema = @Schema(allowableValues = {"ingestion.completed", "batch.completed"}))
            List<String> callback_events) {}
}
