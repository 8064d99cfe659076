package dev.ingestion.dispatch;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class IngestionListOnPostgresTest extends IngestionListContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
