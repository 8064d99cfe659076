package dev.ingestion.web;

import jakarta.servlet.http.HttpServletResponse;

/**
 * The headers every answer carries, whoever writes it: the request filter for everything that
 * reaches Spring, the error valve for what Tomcat refuses before that.
 */
public final class SecurityHeaders {

    /**
     * One policy for every answer: JSON is never rendered, so it costs nothing there, and the
     * HTML pages (the Swagger UI, later the dashboard) run only their own scripts and styles.
     * The Swagger UI has no inline script; its one inline style is the top bar logo's
     * {@code <style>} element, allowed by its hash (SecurityHeadersTest recomputes it from the
     * Swagger UI served, so an upgrade that changes it fails the build, not the logo's colours).
     * Its stylesheet embeds icons as {@code data:} images, and "try it out" calls the API itself
     * ({@code connect-src}). Nothing may frame a page, post a form elsewhere or change the base URL.
     */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; "
            + "style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; img-src 'self' data:; "
            + "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";

    private SecurityHeaders() {}

    public static void set(HttpServletResponse response) {
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    }
}
