package dev.ingestion.access;

import java.io.IOException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.ingestion.web.SecurityHeaders;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Every answer carries {@code X-Request-Id}: the client's, if it sent a sane one, so that its
 * logs and ours meet, else a new one; every log line of the request carries it too
 * ({@code request_id} in the logging context). Also the security headers every answer needs
 * (SecurityHeaders), the Content-Security-Policy among them.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestIds extends OncePerRequestFilter {

    static final String HEADER = "X-Request-Id";
    static final String LOG_KEY = "request_id";
    /** Short, and nothing a log or a header could be fooled by (no spaces, quotes, line breaks). */
    private static final HexFormat HEX = HexFormat.of();

    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String sent = request.getHeader(HEADER);
        String given = response.getHeader(HEADER); // on an error dispatch, the id its request was given
        String id = given != null ? given : sent != null && SANE.matcher(sent).matches() ? sent : newId();
        response.setHeader(HEADER, id);
        SecurityHeaders.set(response);
        MDC.put(LOG_KEY, id);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(LOG_KEY);
        }
    }

    /**
     * Errors Tomcat raises before any filter ran (a path under META-INF, say) are answered
     * through an error dispatch only: without this, their answers carried no id and none of the
     * security headers.
     */
    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }

    /** 64 random bits in hex: unique enough to find a request, cheap enough for every one. */
    private static String newId() {
        return HEX.toHexDigits(ThreadLocalRandom.current().nextLong());
    }
}
