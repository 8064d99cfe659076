package dev.ingestion.dispatch;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class DispatcherPackingOnPostgresTest extends PackingContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
