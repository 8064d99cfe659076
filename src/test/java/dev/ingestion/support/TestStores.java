package dev.ingestion.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.store.Dialect;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Real stores for tests: an H2 file database in a temporary folder (the embedded mode as it runs,
 * not an in-memory one), or a fresh database on one PostgreSQL server that the JVM starts once
 * from zonky's binaries.
 */
public final class TestStores {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres postgres;

    private TestStores() {}

    public static HikariDataSource h2(Path folder) {
        return migrated(Dialect.H2.connectionUrl(h2Url(folder)), "sa", "");
    }

    /** The embedded store's URL for a data folder, as INGEST_DB_URL would give it. */
    public static String h2Url(Path folder) {
        return "jdbc:h2:file:" + folder.toAbsolutePath().resolve("ingest");
    }

    public static HikariDataSource postgres() {
        EmbeddedPostgres server = postgresServer();
        String name = "test_" + DATABASES.incrementAndGet();
        try (Connection connection = server.getPostgresDatabase().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return migrated(server.getJdbcUrl("postgres", name), "postgres", "postgres");
    }

    /** The JDBC URL of a fresh, migrated PostgreSQL database (for application contexts). */
    public static String postgresUrl() {
        try (HikariDataSource ds = postgres()) {
            return ds.getJdbcUrl();
        }
    }

    public static synchronized EmbeddedPostgres postgresServer() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // the JVM is going away anyway
                }
            }));
        }
        return postgres;
    }

    private static HikariDataSource migrated(String url, String user, String password) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(8);
        config.setConnectionTimeout(2_000); // a leaked connection fails a test quickly
        HikariDataSource dataSource = new HikariDataSource(config);
        migrate(dataSource);
        return dataSource;
    }

    public static void migrate(DataSource dataSource) {
        Dialect dialect;
        try (Connection connection = dataSource.getConnection()) {
            dialect = Dialect.of(connection.getMetaData().getURL());
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .placeholders(dialect.migrationPlaceholders())
                .load()
                .migrate();
    }
}
