package dev.ingestion.access;

import java.util.Objects;

import org.springframework.http.HttpStatus;

import dev.ingestion.web.ApiException;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Who is asking: the name of the API key the request presented, and whether that key may see
 * every ingestion. With keys off, every request is {@link #OPEN}.
 */
public record Caller(String name, boolean admin) {

    /** Keys are off: the caller sees and may do everything, and owns nothing. */
    public static final Caller OPEN = new Caller(null, true);

    static final String ATTRIBUTE = Caller.class.getName();

    /**
     * The caller the key filter let through. A request it never saw is refused rather than taken
     * for an open one, so a path left out of the filter by mistake fails closed.
     */
    public static Caller of(HttpServletRequest request) {
        if (request.getAttribute(ATTRIBUTE) instanceof Caller caller) {
            return caller;
        }
        throw new ApiException(HttpStatus.UNAUTHORIZED, "Unauthorized");
    }

    /** Operator actions (pausing dispatch, say) are an admin key's; with keys off, anyone's. */
    public void requireAdmin() {
        if (!admin) {
            throw new ApiException(
                    HttpStatus.FORBIDDEN, "Forbidden", java.util.Map.of("api_key", "this action needs an admin key"));
        }
    }

    /** Whether an ingestion created by {@code owner} (null: created while keys were off) is this caller's to see. */
    public boolean canSee(String owner) {
        return admin || Objects.equals(name, owner);
    }

    /** Where this caller's idempotency keys and quota live: its key's name, or the one open scope. */
    public String scope() {
        return name == null ? "" : name;
    }
}
