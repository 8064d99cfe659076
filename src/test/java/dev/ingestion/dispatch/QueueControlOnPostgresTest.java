package dev.ingestion.dispatch;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class QueueControlOnPostgresTest extends QueueControlContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
