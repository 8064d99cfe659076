package dev.ingestion.bench;

import java.time.Instant;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.store.BatchStart;
import dev.ingestion.store.QueueReads;

/**
 * Prints a store's start log (bench/run, item 4), oldest first, one start a line: the start's
 * time in microseconds since the epoch, then its owner. For the embedded store, run it after the
 * service has stopped: H2's file lock admits one process at a time.
 *
 * <p>Arguments: {@code <jdbc url> [user] [password]}.
 */
public final class StartLog {

    private StartLog() {}

    public static void main(String[] args) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(args[0]);
        config.setUsername(args.length > 1 ? args[1] : "");
        config.setPassword(args.length > 2 ? args[2] : "");
        config.setMaximumPoolSize(1);
        try (HikariDataSource ds = new HikariDataSource(config)) {
            StringBuilder out = new StringBuilder();
            for (BatchStart start : new QueueReads(ds).starts()) {
                Instant at = start.startedAt();
                long micros = at.getEpochSecond() * 1_000_000L + at.getNano() / 1_000;
                out.append(micros)
                        .append(' ')
                        .append(start.owner())
                        .append(' ')
                        .append(start.attempt())
                        .append('\n');
            }
            System.out.print(out);
        }
    }
}
