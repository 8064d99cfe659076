package dev.ingestion;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.support.DefaultLifecycleProcessor;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.dispatch.DispatchMetrics;
import dev.ingestion.dispatch.Dispatcher;
import dev.ingestion.dispatch.DispatcherLifecycle;
import dev.ingestion.dispatch.DispatcherLoop;
import dev.ingestion.events.EventHub;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.settings.DeploymentGuard;
import dev.ingestion.settings.IngestSettings;
import dev.ingestion.settings.UpstreamSettings;
import dev.ingestion.status.QueueView;
import dev.ingestion.store.DatabaseClock;
import dev.ingestion.store.Dialect;
import dev.ingestion.store.EventLog;
import dev.ingestion.store.IngestionList;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.QueueStore;
import dev.ingestion.store.QueueTotals;
import dev.ingestion.store.SettingsStore;
import dev.ingestion.upstream.HttpUpstream;
import dev.ingestion.upstream.RetryPolicy;
import dev.ingestion.upstream.SimulatedUpstream;
import dev.ingestion.upstream.Upstream;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The one composition root (with {@link IngestWiring} and {@link WebhookWiring}, its parts for the
 * ingest edge and for webhooks): wires the plain-Java engine (queue, ingest, dispatch, upstream,
 * store) to Spring. Nothing below knows Spring's container; controllers, settings and the web
 * layer's configuration are found by scanning.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class IngestionApplication {

    private static final Logger log = LoggerFactory.getLogger(IngestionApplication.class);

    /** Request threads, the group commit, the dispatcher and the batch writers: 16 never queue at 64 connections. */
    private static final int STORE_POOL_SIZE = 16;
    /** A store that cannot be reached is answered with a 503 quickly, not after Hikari's 30 s. */
    private static final Duration STORE_CONNECTION_TIMEOUT = Duration.ofSeconds(2);
    /** The simulation's fetches are timers, not sleeping threads: two fire any number of them. */
    private static final int UPSTREAM_TIMER_THREADS = 2;
    /** Store writes after fetches; a batch has at most a few ids, and records of one batch lock one row. */
    private static final int BATCH_WRITER_THREADS = 4;
    /**
     * What the drain's shutdown phase needs beyond INGEST_DRAIN_TIMEOUT: the hand-back of leases,
     * one statement that waits at most the store's connection timeout for a connection.
     */
    private static final Duration HAND_BACK_MARGIN = Duration.ofSeconds(5);

    public static void main(String[] args) {
        SpringApplication.run(IngestionApplication.class, args);
    }

    /** This instance's clock: for everything that decides nothing (see {@link #decidingClock}). */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * The clock that decides slots and leases: this JVM's where one process owns the store, the
     * database server's for PostgreSQL, so that skew between instances cannot move a slot.
     */
    private static Clock decidingClock(Dialect dialect, DataSource dataSource, Clock clock) {
        return dialect.singleProcess() ? clock : new DatabaseClock(dataSource, dialect);
    }

    @Bean
    Dialect dialect(IngestSettings settings) {
        return Dialect.of(settings.dbUrl());
    }

    @Bean
    RateLimit rateLimit(IngestSettings settings) {
        return new RateLimit(settings.interval(), settings.maxInterval());
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
        config.setMaximumPoolSize(STORE_POOL_SIZE);
        config.setConnectionTimeout(STORE_CONNECTION_TIMEOUT.toMillis());
        config.setValidationTimeout(STORE_CONNECTION_TIMEOUT.toMillis() / 2);
        return new HikariDataSource(config);
    }

    @Bean
    @DependsOnDatabaseInitialization
    QueueStore queueStore(DataSource dataSource) {
        return new QueueStore(dataSource);
    }

    @Bean
    @DependsOnDatabaseInitialization
    QueueReads queueReads(DataSource dataSource, MeterRegistry registry) {
        QueueReads reads = new QueueReads(dataSource);
        Gauge.builder("ingest.batches.waiting.retry", reads, QueueReads::batchesWaitingForRetry)
                .description("batches handed back to be tried again, waiting for their time or a slot")
                .register(registry);
        return reads;
    }

    @Bean
    @DependsOnDatabaseInitialization
    IngestionList ingestionList(DataSource dataSource) {
        return new IngestionList(dataSource);
    }

    @Bean
    @DependsOnDatabaseInitialization
    QueueTotals queueTotals(DataSource dataSource) {
        return new QueueTotals(dataSource);
    }

    /** One tail of the event log and one read of the totals per tick, for every viewer of this instance. */
    @Bean
    @DependsOnDatabaseInitialization
    EventHub eventHub(DataSource dataSource, QueueTotals totals, RateLimit rate, Clock clock) {
        return new EventHub(
                EventHub.Log.of(new EventLog(dataSource)),
                () -> QueueView.of(totals.read(rate, clock.instant()), rate),
                clock);
    }

    @Bean
    @DependsOnDatabaseInitialization
    DeploymentGuard deploymentGuard(DataSource dataSource, IngestSettings settings) {
        return new DeploymentGuard(new SettingsStore(dataSource), settings);
    }

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService upstreamTimer() {
        return Executors.newScheduledThreadPool(UPSTREAM_TIMER_THREADS, daemonThreads("upstream"));
    }

    /**
     * HTTP when INGEST_UPSTREAM_URL is set, else the simulation. The settings' toString hides the
     * header values; an unseeded simulation logs the seed it drew, so the run can be repeated.
     */
    @Bean
    Upstream upstream(
            IngestSettings settings, UpstreamSettings upstream, ScheduledExecutorService upstreamTimer, Clock clock) {
        if (upstream.http()) {
            log.info("upstream: HTTP, {}", upstream);
            return new HttpUpstream(
                    upstream.url(),
                    upstream.headerMap(),
                    upstream.timeout(),
                    upstream.maxRecord().toBytes(),
                    clock,
                    upstreamTimer,
                    null);
        }
        long seed = upstream.seed() != null ? upstream.seed() : new Random().nextLong();
        if (upstream.failureRate() > 0 || upstream.throttleRate() > 0) {
            log.info(
                    "upstream: simulated, failure rate {}, throttle rate {}, seed {}",
                    upstream.failureRate(),
                    upstream.throttleRate(),
                    seed);
        }
        return new SimulatedUpstream(
                settings.upstreamDelay(),
                upstreamTimer,
                upstream.failureRate(),
                upstream.throttleRate(),
                new Random(seed));
    }

    @Bean(destroyMethod = "shutdown")
    ExecutorService batchWriters() {
        return Executors.newFixedThreadPool(BATCH_WRITER_THREADS, daemonThreads("batch-writer"));
    }

    /** Takes the guard, so that no slot is claimed before the deployment's settings are checked. */
    @Bean
    Dispatcher dispatcher(
            QueueStore store,
            Upstream upstream,
            Clock clock,
            Dialect dialect,
            DataSource dataSource,
            RateLimit rateLimit,
            IngestSettings settings,
            UpstreamSettings upstreamSettings,
            ExecutorService batchWriters,
            DeploymentGuard guard,
            MeterRegistry registry) {
        String owner = instanceName();
        log.info(
                "dispatcher {}: interval {}, batch size {}{}, upstream delay {}, store {}",
                owner,
                rateLimit.floor(),
                settings.batchSize(),
                (settings.packing() ? " (slot packing)" : "")
                        + (settings.fairShare().on()
                                ? " (fair share by " + settings.fairShare().label() + ")"
                                : ""),
                settings.upstreamDelay(),
                settings.dbUrl());
        DispatchMetrics metrics = new DispatchMetrics(registry);
        Dispatcher dispatcher = new Dispatcher(
                store,
                upstream,
                retryPolicy(settings, upstreamSettings),
                clock,
                decidingClock(dialect, dataSource, clock),
                rateLimit,
                settings.lease(),
                owner,
                batchWriters,
                metrics,
                settings.slotOrder());
        metrics.watch(dispatcher);
        return dispatcher;
    }

    /**
     * The jitter of back-offs comes from INGEST_UPSTREAM_SEED when it is set, so that a run can be
     * repeated; otherwise it is random, so that the retries of several instances spread out.
     */
    private static RetryPolicy retryPolicy(IngestSettings settings, UpstreamSettings upstream) {
        Random jitter = upstream.seed() == null ? new Random() : new Random(upstream.seed());
        return new RetryPolicy(settings.retryBackoff(), settings.maxAttempts(), jitter::nextDouble);
    }

    @Bean
    DispatcherLoop dispatcherLoop(Dispatcher dispatcher, Clock clock) {
        return new DispatcherLoop(dispatcher, clock);
    }

    /**
     * The drain runs in the phase of the web server's graceful shutdown, side by side with it.
     * That phase waits spring.lifecycle.timeout-per-shutdown-phase (30 s) for its beans and then
     * goes on closing the context, the store with it; it is stretched to cover INGEST_DRAIN_TIMEOUT
     * and the hand-back, so that a longer drain cannot lose the hand-back to a closed store.
     */
    @Bean
    DispatcherLifecycle dispatcherLifecycle(
            DispatcherLoop loop,
            Dispatcher dispatcher,
            QueueStore store,
            Dialect dialect,
            IngestSettings settings,
            DefaultLifecycleProcessor lifecycleProcessor,
            LifecycleProperties lifecycle) {
        int phase = WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE;
        Duration needed = settings.drainTimeout().plus(HAND_BACK_MARGIN);
        if (needed.compareTo(lifecycle.getTimeoutPerShutdownPhase()) > 0) {
            lifecycleProcessor.setTimeoutForShutdownPhase(phase, needed.toMillis());
        }
        return new DispatcherLifecycle(loop, dispatcher, store, dialect, settings.drainTimeout(), phase);
    }

    /** This process's name on the leases it takes: pid@host and a random part, new at each start. */
    static String instanceName() {
        return ManagementFactory.getRuntimeMXBean().getName() + "/"
                + UUID.randomUUID().toString().substring(0, 8);
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
