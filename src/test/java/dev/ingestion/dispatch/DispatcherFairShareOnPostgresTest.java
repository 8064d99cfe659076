package dev.ingestion.dispatch;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class DispatcherFairShareOnPostgresTest extends FairShareContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
