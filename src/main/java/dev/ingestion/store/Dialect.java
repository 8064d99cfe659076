package dev.ingestion.store;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The few things that differ between the embedded store and PostgreSQL. The schema and every
 * query are shared; only connection settings and process guarantees live here.
 */
public enum Dialect {

    /** H2 in file mode: one process per data folder, enforced by H2's file lock. */
    H2,
    /** PostgreSQL: any number of instances share one queue. */
    POSTGRES;

    public static Dialect of(String jdbcUrl) {
        String url = jdbcUrl.toLowerCase(Locale.ROOT);
        if (url.startsWith("jdbc:h2:")) {
            return H2;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return POSTGRES;
        }
        throw new IllegalArgumentException(
                "INGEST_DB_URL must be a jdbc:h2:file: or jdbc:postgresql: URL, got " + jdbcUrl);
    }

    /**
     * The URL to connect with; settings already in the URL win. H2 keeps commits in memory for
     * 500 ms by default, so an acknowledged ingestion could vanish in a kill -9: WRITE_DELAY=0
     * writes the store at every commit. DB_CLOSE_ON_EXIT=FALSE leaves closing to the
     * application, after the dispatcher has drained, instead of H2's own shutdown hook racing it.
     * CACHE_SIZE=4096 (KB, against H2's 64 MB): every page a commit writes enters the cache, so
     * under a stream of ingests a large cache keeps pages just long enough to survive young
     * collections and fill the old generation; with 4 MB, young pauses under load went from
     * about 10 to 8 ms and the full collections that ended a load run went away.
     * QUERY_CACHE_SIZE=64 (statements per connection, against H2's 8): the service runs more than
     * 8 distinct statements on each pooled connection, so H2 parsed and planned most of them again
     * on every use; the list of ingestions' first page went from 6.3 to 3.1 ms (p50, 300,000
     * ingestions stored, an ingest between reads).
     */
    public String connectionUrl(String jdbcUrl) {
        if (this != H2) {
            return jdbcUrl;
        }
        String upper = jdbcUrl.toUpperCase(Locale.ROOT);
        StringBuilder url = new StringBuilder(jdbcUrl);
        for (Map.Entry<String, String> setting : H2_SETTINGS) {
            if (!upper.contains(";" + setting.getKey() + "=")) {
                url.append(';').append(setting.getKey()).append('=').append(setting.getValue());
            }
        }
        return url.toString();
    }

    /** What {@link #connectionUrl} adds to an H2 URL that does not set it, in this order. */
    private static final List<Map.Entry<String, String>> H2_SETTINGS = List.of(
            Map.entry("WRITE_DELAY", "0"),
            Map.entry("DB_CLOSE_ON_EXIT", "FALSE"),
            Map.entry("CACHE_SIZE", "4096"),
            Map.entry("QUERY_CACHE_SIZE", "64"));

    /**
     * The server's wall-clock time now: not the start of the transaction (PostgreSQL's
     * CURRENT_TIMESTAMP), since a claim reads it after waiting for the limiter's lock.
     */
    public String currentTimeSql() {
        return this == POSTGRES ? "clock_timestamp()" : "CURRENT_TIMESTAMP(6)";
    }

    /**
     * Values the Flyway migrations take from the dialect. {@code identity_cache}: H2 commits its
     * store each time the sequence behind ingestion.seq runs out of reserved numbers (at its
     * default of 32 that was a fifth of the ingest commit thread's time); PostgreSQL reserves
     * numbers per session, and any reserve there would let a later ingestion on another
     * connection or instance take a smaller seq.
     */
    public Map<String, String> migrationPlaceholders() {
        return Map.of("identity_cache", this == H2 ? "1000" : "1");
    }

    /**
     * Whether this process is the only one using the store. Then a batch left triggered by a
     * previous run has no live runner and can start again at once, without waiting for its lease.
     */
    public boolean singleProcess() {
        return this == H2;
    }
}
