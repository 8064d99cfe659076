package dev.ingestion.store;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class QueueStoreOnPostgresTest extends QueueStoreContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
