package dev.ingestion.dispatch;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class RetriesOnPostgresTest extends RetryContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
