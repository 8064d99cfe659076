package dev.ingestion.dispatch;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class DispatcherOnPostgresTest extends DispatcherContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
