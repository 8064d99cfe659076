package dev.ingestion.dispatch;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.support.TestStores;

class DispatcherFairShareOnH2Test extends FairShareContract {

    @TempDir
    Path folder;

    @Override
    HikariDataSource newDataSource() {
        return TestStores.h2(folder);
    }
}
