package dev.ingestion.web;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/** The API's error shape for answers written before Spring MVC sees the request (servlet filters). */
public final class ErrorAnswer {

    private ErrorAnswer() {}

    public static void write(HttpServletResponse response, HttpStatus status, String error, Map<String, String> details)
            throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", error);
        if (!details.isEmpty()) {
            body.put("details", details);
        }
        byte[] bytes = JsonMapper.shared().writeValueAsBytes(body);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
