package dev.ingestion.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import dev.ingestion.queue.Priority;

/**
 * How values cross JDBC. Times are {@code TIMESTAMP WITH TIME ZONE} in UTC, which both backends
 * map the same way; a priority is its rank (0 = HIGH), so that the queue index sorts by it.
 */
final class Sql {

    private Sql() {}

    static OffsetDateTime ts(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static int rank(Priority priority) {
        return priority.ordinal();
    }

    static Priority priority(ResultSet rs, String column) throws SQLException {
        return Priority.values()[rs.getInt(column)];
    }
}
