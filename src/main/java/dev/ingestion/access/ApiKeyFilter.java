package dev.ingestion.access;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.ingestion.web.ErrorAnswer;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * With keys on, every request but those for the open pages (health, metrics, the API docs)
 * presents a key, as {@code Authorization: Bearer <secret>} or {@code X-API-Key}; the caller it
 * names is left on the request for the controllers ({@link Caller#of}). Paths are closed unless
 * listed open, so an endpoint added later is protected without anyone remembering to.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class ApiKeyFilter extends OncePerRequestFilter {

    static final String API_KEY_HEADER = "X-API-Key";
    static final String LOG_KEY = "api_key";
    private static final String BEARER = "bearer ";
    private static final String CHALLENGE = "Bearer realm=\"ingestion-service\"";
    /** Query parameters a client might put a key in: refused, since URLs end up in logs and histories. */
    private static final Set<String> KEY_PARAMETERS = Set.of("api_key", "apikey", "api-key", "access_token", "key");

    /** The dashboard's page and assets are open like the API docs: the data they read is not. */
    private static final List<String> OPEN_PREFIXES =
            List.of("/health", "/docs", "/swagger-ui", "/v3/api-docs", "/dashboard");

    private static final Set<String> OPEN_PATHS = Set.of("/", "/metrics", "/openapi.json", "/favicon.ico");

    private final ApiKeys keys;

    ApiKeyFilter(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!keys.enabled() || isOpen(request.getRequestURI())) {
            request.setAttribute(Caller.ATTRIBUTE, Caller.OPEN);
            chain.doFilter(request, response);
            return;
        }
        if (keyInUrl(request)) {
            ErrorAnswer.write(
                    response,
                    HttpStatus.BAD_REQUEST,
                    "Invalid input",
                    Map.of(
                            "api_key",
                            "must travel in a header (Authorization: Bearer or X-API-Key), never in the URL"));
            return;
        }
        Set<String> presented = presentedSecrets(request);
        if (presented.size() > 1) {
            refuse(response, "one key per request: Authorization and X-API-Key name different keys");
            return;
        }
        Optional<Caller> caller = presented.isEmpty()
                ? Optional.empty()
                : keys.authenticate(presented.iterator().next());
        if (caller.isEmpty()) {
            refuse(
                    response,
                    presented.isEmpty()
                            ? "missing: send Authorization: Bearer <key> or X-API-Key: <key>"
                            : "not recognised");
            return;
        }
        request.setAttribute(Caller.ATTRIBUTE, caller.get());
        MDC.put(LOG_KEY, caller.get().name());
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(LOG_KEY);
        }
    }

    static boolean isOpen(String path) {
        if (OPEN_PATHS.contains(path)) {
            return true;
        }
        for (String prefix : OPEN_PREFIXES) {
            if (path.equals(prefix) || path.startsWith(prefix + "/") || path.startsWith(prefix + ".")) {
                return true;
            }
        }
        return false;
    }

    /** Reads the query string itself: the parameter map would read a form body too. */
    private static boolean keyInUrl(HttpServletRequest request) {
        String query = request.getQueryString();
        if (query == null) {
            return false;
        }
        for (String parameter : query.split("&")) {
            int equals = parameter.indexOf('=');
            String name = equals < 0 ? parameter : parameter.substring(0, equals);
            if (KEY_PARAMETERS.contains(name.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** Every secret the request carries, whichever header it came in; repeated headers count too. */
    private static Set<String> presentedSecrets(HttpServletRequest request) {
        Set<String> secrets = new LinkedHashSet<>();
        for (String value : Collections.list(request.getHeaders(HttpHeaders.AUTHORIZATION))) {
            String trimmed = value.strip();
            secrets.add(
                    trimmed.regionMatches(true, 0, BEARER, 0, BEARER.length())
                            ? trimmed.substring(BEARER.length()).strip()
                            // another scheme (Basic, say) names no key of ours; it still fails as a wrong one
                            : trimmed);
        }
        for (String value : Collections.list(request.getHeaders(API_KEY_HEADER))) {
            secrets.add(value.strip());
        }
        return secrets;
    }

    private static void refuse(HttpServletResponse response, String why) throws IOException {
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, CHALLENGE);
        ErrorAnswer.write(response, HttpStatus.UNAUTHORIZED, "Unauthorized", Map.of("api_key", why));
    }
}
