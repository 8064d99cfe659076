package dev.ingestion.web;

import java.util.Map;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Where Tomcat sends errors that never reached a controller (a path under META-INF, say):
 * answered like all others, {@code {"error": "<reason>"}}, with no timestamp, path or trace.
 * Asked for directly, the page does not exist: Spring Boot's own answered such a request 500.
 */
@Hidden // not an endpoint of the API
@RestController
class ErrorPage implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<Object> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = request.getDispatcherType() != DispatcherType.ERROR
                ? HttpStatus.NOT_FOUND
                : code instanceof Integer value && HttpStatus.resolve(value) != null
                        ? HttpStatus.resolve(value)
                        : HttpStatus.INTERNAL_SERVER_ERROR;
        return ApiErrors.body(status, status.getReasonPhrase(), Map.of());
    }
}
