package dev.ingestion.store;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class AccessOnPostgresTest extends AccessContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
