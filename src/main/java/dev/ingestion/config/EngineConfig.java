package dev.ingestion.config;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.dispatch.Dispatcher;
import dev.ingestion.dispatch.DispatcherLoop;
import dev.ingestion.ingest.GroupCommit;
import dev.ingestion.ingest.IngestLimits;
import dev.ingestion.ingest.Ingestions;
import dev.ingestion.status.StatusTiming;
import dev.ingestion.store.DatabaseClock;
import dev.ingestion.store.Dialect;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.QueueStore;
import dev.ingestion.store.SettingsStore;
import dev.ingestion.upstream.SimulatedUpstream;
import dev.ingestion.upstream.Upstream;
import io.micrometer.core.instrument.MeterRegistry;

/** Wires the plain-Java engine; nothing below this package knows Spring's container. */
@Configuration(proxyBeanMethods = false)
class EngineConfig {

    private static final Logger log = LoggerFactory.getLogger(EngineConfig.class);

    /** One time source decides slots: this JVM's clock for the embedded store, the server's for PostgreSQL. */
    @Bean
    Clock clock(Dialect dialect, DataSource dataSource) {
        return dialect.singleProcess() ? Clock.systemUTC() : new DatabaseClock(dataSource, dialect);
    }

    @Bean
    Dialect dialect(IngestSettings settings) {
        return Dialect.of(settings.dbUrl());
    }

    @Bean
    FlywayConfigurationCustomizer migrationPlaceholders(Dialect dialect) {
        return flyway -> flyway.placeholders(dialect.migrationPlaceholders());
    }

    @Bean
    HikariDataSource dataSource(IngestSettings settings, Dialect dialect) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("store");
        config.setJdbcUrl(dialect.connectionUrl(settings.dbUrl()));
        if (!settings.dbUser().isBlank()) {
            config.setUsername(settings.dbUser());
        }
        if (!settings.dbPassword().isBlank()) {
            config.setPassword(settings.dbPassword());
        }
        config.setMaximumPoolSize(16);
        // A store that cannot be reached is answered with a 503 quickly, not after 30 s.
        config.setConnectionTimeout(2_000);
        config.setValidationTimeout(1_000);
        return new HikariDataSource(config);
    }

    @Bean
    @DependsOnDatabaseInitialization
    QueueStore queueStore(DataSource dataSource) {
        return new QueueStore(dataSource);
    }

    @Bean
    @DependsOnDatabaseInitialization
    QueueReads queueReads(DataSource dataSource) {
        return new QueueReads(dataSource);
    }

    @Bean
    @DependsOnDatabaseInitialization
    DeploymentGuard deploymentGuard(DataSource dataSource, IngestSettings settings) {
        return new DeploymentGuard(new SettingsStore(dataSource), settings);
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService upstreamTimer() {
        return Executors.newScheduledThreadPool(2, daemonThreads("upstream"));
    }

    @Bean
    Upstream upstream(IngestSettings settings, ScheduledExecutorService upstreamTimer) {
        return new SimulatedUpstream(settings.upstreamDelay(), upstreamTimer);
    }

    @Bean(destroyMethod = "shutdown")
    ExecutorService dispatchWorkers() {
        return Executors.newFixedThreadPool(4, daemonThreads("batch-writer"));
    }

    @Bean
    Dispatcher dispatcher(QueueStore store, Upstream upstream, Clock clock, IngestSettings settings,
            ExecutorService dispatchWorkers, DeploymentGuard guard, MeterRegistry registry) {
        String owner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        log.info("dispatcher {}: interval {}, batch size {}, upstream delay {}, store {}", owner, settings.interval(),
                settings.batchSize(), settings.upstreamDelay(), settings.dbUrl());
        Dispatcher dispatcher = new Dispatcher(store, upstream, clock, settings.interval(), settings.lease(), owner,
                dispatchWorkers, new DispatchMetrics(registry));
        registry.gauge("ingest.batches.running", dispatcher, Dispatcher::inFlight);
        return dispatcher;
    }

    @Bean
    DispatcherLoop dispatcherLoop(Dispatcher dispatcher, Clock clock) {
        return new DispatcherLoop(dispatcher, clock);
    }

    @Bean
    DispatcherLifecycle dispatcherLifecycle(DispatcherLoop loop, Dispatcher dispatcher, QueueStore store,
            Dialect dialect, IngestSettings settings) {
        return new DispatcherLifecycle(loop, dispatcher, store, dialect,
                settings.upstreamDelay().plusSeconds(10));
    }

    @Bean(destroyMethod = "close")
    GroupCommit groupCommit(QueueStore store) {
        return new GroupCommit(store::insertIngestions);
    }

    /**
     * Accepted ingestions take their created_at, and the time in their ids, from this JVM's clock
     * even on PostgreSQL: reading the database's clock is a round trip, which was a third of the
     * request threads' time at 64 connections, and these times decide nothing; slots and batch
     * times stay on the database's clock.
     */
    @Bean
    Ingestions ingestions(GroupCommit groupCommit, Clock clock, Dialect dialect, IngestSettings settings,
            DispatcherLoop loop, DeploymentGuard guard) {
        Clock acceptance = dialect.singleProcess() ? clock : Clock.systemUTC();
        return new Ingestions(groupCommit::write, acceptance, settings.batchSize(), loop::wakeUp);
    }

    @Bean
    IngestLimits ingestLimits(IngestSettings settings) {
        return new IngestLimits(settings.maxIds(), settings.maxBody().toBytes());
    }

    @Bean
    StatusTiming statusTiming(IngestSettings settings, Upstream upstream) {
        return new StatusTiming(settings.interval(), upstream.expectedLatency());
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
