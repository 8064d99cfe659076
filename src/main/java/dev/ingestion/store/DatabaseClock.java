package dev.ingestion.store;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import javax.sql.DataSource;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The database server's clock, for deployments of several instances: when every slot and lease
 * is timed by one clock, skew between the instances' clocks can never put two starts closer than
 * the interval. Read inside the claim transaction it runs on that transaction's connection.
 */
public final class DatabaseClock extends Clock {

    private final JdbcClient jdbc;
    private final String nowSql;

    public DatabaseClock(DataSource dataSource, Dialect dialect) {
        this.jdbc = JdbcClient.create(dataSource);
        this.nowSql = "SELECT " + dialect.currentTimeSql() + " AS now";
    }

    @Override
    public Instant instant() {
        return jdbc.sql(nowSql).query((rs, n) -> Sql.instant(rs, "now")).single();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
