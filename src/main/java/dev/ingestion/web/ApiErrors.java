package dev.ingestion.web;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.TransactionException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/** Every error answer is {@code {"error": ...}}, whatever raised it; no stack trace reaches a client. */
@RestControllerAdvice
class ApiErrors extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<Object> apiException(ApiException e) {
        return body(e.status(), e.getMessage(), e.details());
    }

    /** A query string whose percent-encoding is not UTF-8: Tomcat refuses it when a parameter is first read. */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<Object> undecodableQuery(InvalidParameterException e) {
        return body(
                HttpStatus.BAD_REQUEST,
                "Invalid input",
                Map.of("query", "could not be decoded: percent-encoded bytes must be UTF-8"));
    }

    @ExceptionHandler({
        CannotGetJdbcConnectionException.class,
        TransientDataAccessException.class,
        TransactionException.class
    })
    ResponseEntity<Object> storeUnavailable(Exception e) {
        log.warn("store unavailable: {}", e.getMessage());
        return body(HttpStatus.SERVICE_UNAVAILABLE, "Store unavailable", Map.of());
    }

    @ExceptionHandler(DataAccessException.class)
    ResponseEntity<Object> storeFailed(DataAccessException e) {
        log.error("store failure", e);
        return body(HttpStatus.SERVICE_UNAVAILABLE, "Store unavailable", Map.of());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e) {
        log.error("unexpected failure", e);
        return body(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error", Map.of());
    }

    /** Spring MVC's own errors (404, 405, 415, ...) get the same shape as ours. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        HttpStatus status = HttpStatus.resolve(statusCode.value());
        String error = status == null ? "Error" : status.getReasonPhrase();
        ResponseEntity<Object> answer = body(statusCode, error, Map.of());
        HttpHeaders merged = new HttpHeaders();
        merged.addAll(headers);
        merged.setContentType(MediaType.APPLICATION_JSON);
        return new ResponseEntity<>(answer.getBody(), merged, statusCode);
    }

    static ResponseEntity<Object> body(HttpStatusCode status, String error, Map<String, String> details) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        if (!details.isEmpty()) {
            body.put("details", details);
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_JSON)
                .body(body);
    }
}
