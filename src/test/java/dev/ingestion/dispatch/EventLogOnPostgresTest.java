package dev.ingestion.dispatch;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class EventLogOnPostgresTest extends EventLogContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
