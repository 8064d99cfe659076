package dev.ingestion.web;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.boot.webmvc.error.DefaultErrorAttributes;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.WebRequest;

/**
 * Shapes errors that never reach a controller (raised by the servlet container, say) like all
 * others: {@code {"error": "<reason>"}}, with no timestamp, path or trace.
 */
@Component
class PlainErrorAttributes extends DefaultErrorAttributes {

    @Override
    public Map<String, Object> getErrorAttributes(WebRequest request, ErrorAttributeOptions options) {
        Object code = request.getAttribute("jakarta.servlet.error.status_code", WebRequest.SCOPE_REQUEST);
        HttpStatus status = code instanceof Integer value ? HttpStatus.resolve(value) : null;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", status == null ? "Internal error" : status.getReasonPhrase());
        return body;
    }
}
