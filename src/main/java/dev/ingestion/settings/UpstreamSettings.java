package dev.ingestion.settings;

import java.net.URI;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.util.unit.DataSize;

/**
 * The upstream, bound from the {@code INGEST_UPSTREAM_*} variables named in
 * application.properties. Without {@code INGEST_UPSTREAM_URL} the built-in simulation answers.
 *
 * <p>{@code INGEST_UPSTREAM_URL}: a template with {@code {id}} (one GET per id) or {@code {ids}}
 * (one GET per slot, the distinct ids comma-joined), never both.
 *
 * <p>{@code INGEST_UPSTREAM_HEADERS}: extra request headers as {@code Name: value} pairs separated
 * by {@code ;} or newlines, for example {@code Authorization: Bearer abc; X-Tenant: 7}. Spaces
 * around names and values are dropped, blank entries are skipped, each name may appear once, and a
 * value cannot contain {@code ;}. The values are secrets: {@link #toString()} shows the names
 * only, and no error message repeats a value (or a malformed entry, which may be one).
 *
 * <p>{@code INGEST_UPSTREAM_FAILURE_RATE} and {@code INGEST_UPSTREAM_THROTTLE_RATE}: the fractions
 * of the simulation's calls answered as a 500 and as a 429, drawn from a {@link java.util.Random}
 * seeded with {@code INGEST_UPSTREAM_SEED}. Left empty, the seed is drawn at start-up and logged,
 * so any run can be repeated by setting it.
 */
@ConfigurationProperties("ingest.upstream")
public record UpstreamSettings(
        String url,
        @DurationUnit(ChronoUnit.SECONDS) Duration timeout,
        String headers,
        DataSize maxRecord,
        double failureRate,
        double throttleRate,
        Long seed) {

    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0A-\\x1F\\x7F]");
    /** The JDK's client sets these itself and refuses them. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    public UpstreamSettings {
        url = url == null ? "" : url.strip();
        headers = headers == null ? "" : headers;
        if (!url.isEmpty()) {
            checkTemplate(url);
        }
        require(
                timeout != null && timeout.toMillis() >= 1,
                "INGEST_UPSTREAM_TIMEOUT must be at least 1ms, got " + timeout);
        require(
                maxRecord != null && maxRecord.toBytes() >= 1024,
                "INGEST_UPSTREAM_MAX_RECORD must be at least 1KB, got " + maxRecord);
        require(
                failureRate >= 0 && failureRate <= 1,
                "INGEST_UPSTREAM_FAILURE_RATE must be between 0 and 1, got " + failureRate);
        require(
                throttleRate >= 0 && throttleRate <= 1,
                "INGEST_UPSTREAM_THROTTLE_RATE must be between 0 and 1, got " + throttleRate);
        require(
                failureRate + throttleRate <= 1,
                "INGEST_UPSTREAM_FAILURE_RATE and INGEST_UPSTREAM_THROTTLE_RATE must add up to at most 1, got "
                        + failureRate + " and " + throttleRate);
        parseHeaders(headers);
    }

    /** Whether calls go to an HTTP upstream rather than to the simulation. */
    public boolean http() {
        return !url.isEmpty();
    }

    /** The extra request headers, in the order given. */
    public Map<String, String> headerMap() {
        return parseHeaders(headers);
    }

    /** Never the header values; the URL's query (which may hold a key) neither. */
    @Override
    public String toString() {
        return "UpstreamSettings[url=" + url.replaceFirst("\\?.*", "?***") + ", timeout=" + timeout + ", headers="
                + headerMap().keySet() + " (values hidden), maxRecord=" + maxRecord + ", failureRate=" + failureRate
                + ", throttleRate=" + throttleRate + ", seed=" + seed + "]";
    }

    /** Never echoes the URL: its query may hold a key. */
    private static void checkTemplate(String url) {
        boolean one = url.contains("{id}");
        boolean many = url.contains("{ids}");
        require(
                one != many,
                "INGEST_UPSTREAM_URL must contain exactly one of {id} (one call per id) or {ids} (one call per slot, "
                        + "ids comma-joined), " + (one ? "not both" : "found neither"));
        URI sample;
        try {
            sample = URI.create(url.replace("{ids}", "1,2").replace("{id}", "1"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("INGEST_UPSTREAM_URL is not a valid URL once its ids are filled in");
        }
        String scheme = sample.getScheme() == null ? "" : sample.getScheme().toLowerCase(Locale.ROOT);
        require(
                (scheme.equals("http") || scheme.equals("https")) && sample.getHost() != null,
                "INGEST_UPSTREAM_URL must be an http:// or https:// URL with a host");
    }

    private static Map<String, String> parseHeaders(String text) {
        Map<String, String> parsed = new LinkedHashMap<>();
        String[] entries = text.split("[;\\n]");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            if (entry.isEmpty()) {
                continue;
            }
            String where = "INGEST_UPSTREAM_HEADERS: entry " + (i + 1);
            int colon = entry.indexOf(':');
            require(colon > 0, where + " is not of the form 'Name: value'");
            String name = entry.substring(0, colon).strip();
            String value = entry.substring(colon + 1).strip();
            require(HEADER_NAME.matcher(name).matches(), where + " does not start with a valid header name");
            require(
                    !RESTRICTED.contains(name.toLowerCase(Locale.ROOT)),
                    where + " sets " + name + ", which the client sets");
            require(!value.isEmpty(), where + " (" + name + ") has an empty value");
            require(!CONTROL.matcher(value).find(), where + " (" + name + ") has a control character in its value");
            require(
                    parsed.keySet().stream().noneMatch(name::equalsIgnoreCase),
                    where + " names " + name + " a second time");
            parsed.put(name, value);
        }
        return Collections.unmodifiableMap(parsed);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
