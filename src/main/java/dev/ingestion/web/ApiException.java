package dev.ingestion.web;

import java.util.Map;

import org.springframework.http.HttpStatus;

/** A client error with the answer it deserves: {@code {"error": ..., "details": {...}}}. */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final Map<String, String> details;

    public ApiException(HttpStatus status, String error, Map<String, String> details) {
        super(error, null, false, false);
        this.status = status;
        this.details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
    }

    public ApiException(HttpStatus status, String error) {
        this(status, error, Map.of());
    }

    public static ApiException invalid(Map<String, String> details) {
        return new ApiException(HttpStatus.BAD_REQUEST, "Invalid input", details);
    }

    public static ApiException notFound(String what) {
        return new ApiException(HttpStatus.NOT_FOUND, what + " not found");
    }

    HttpStatus status() {
        return status;
    }

    Map<String, String> details() {
        return details;
    }
}
