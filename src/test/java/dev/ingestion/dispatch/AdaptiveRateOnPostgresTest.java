package dev.ingestion.dispatch;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class AdaptiveRateOnPostgresTest extends AdaptiveRateContract {

    @Override
    HikariDataSource newDataSource() {
        return TestStores.postgres();
    }
}
