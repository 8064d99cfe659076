package dev.ingestion.upstream;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code INGEST_UPSTREAM_URL}: {@code {id}} asks for one id per call, {@code {ids}} for several,
 * comma-joined. Ids are integers, so filling them in needs no encoding. Messages never repeat the
 * template: its query may hold a key.
 */
record UrlTemplate(String template, boolean batched) {

    static UrlTemplate parse(String template) {
        boolean one = template.contains("{id}");
        boolean many = template.contains("{ids}");
        if (one == many) {
            throw new IllegalArgumentException("INGEST_UPSTREAM_URL must contain exactly one of {id} or {ids}, "
                    + (one ? "not both" : "found neither"));
        }
        UrlTemplate parsed = new UrlTemplate(template, many);
        URI sample;
        try {
            sample = parsed.uri(List.of(1, 2));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("INGEST_UPSTREAM_URL is not a valid URL once its ids are filled in");
        }
        String scheme = sample.getScheme() == null ? "" : sample.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || sample.getHost() == null) {
            throw new IllegalArgumentException("INGEST_UPSTREAM_URL must be an http:// or https:// URL with a host");
        }
        return parsed;
    }

    /** The URL for these ids: for {@code {id}} templates, the first (and only) one. */
    URI uri(List<Integer> ids) {
        if (batched) {
            return URI.create(
                    template.replace("{ids}", ids.stream().map(String::valueOf).collect(Collectors.joining(","))));
        }
        return URI.create(template.replace("{id}", String.valueOf(ids.get(0))));
    }

    /** For logs: the query, which may hold a key, is hidden. */
    @Override
    public String toString() {
        return template.replaceFirst("\\?.*", "?***");
    }
}
