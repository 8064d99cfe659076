package dev.ingestion.retention;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class RetentionOnPostgresTest extends RetentionContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
