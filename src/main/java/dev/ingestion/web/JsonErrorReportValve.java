package dev.ingestion.web;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.http.HttpStatus;

/**
 * Tomcat's own error answers (bad URIs, oversized headers, broken framing) in the API's shape,
 * not an HTML page that names Tomcat and its version, and with the headers every answer carries.
 */
public class JsonErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int code = response.getStatus();
        if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        if (code == 501 || code == 505) {
            // Tomcat's words for a transfer coding, a method (CONNECT) or an HTTP version it
            // does not speak: the client's request is at fault, and a 5xx would page whoever
            // watches the service's error rate.
            response.setStatus(400);
            code = 400;
        }
        HttpStatus status = HttpStatus.resolve(code);
        try {
            SecurityHeaders.set(response);
            response.setContentType("application/json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write("{\"error\":\"" + (status == null ? "Error" : status.getReasonPhrase()) + "\"}");
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response is committed: nothing more to say
        }
    }
}
