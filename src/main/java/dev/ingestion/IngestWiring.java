package dev.ingestion;

import java.time.Clock;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.ingestion.access.ApiKeys;
import dev.ingestion.dispatch.DispatcherLoop;
import dev.ingestion.ingest.Acceptance;
import dev.ingestion.ingest.GroupCommit;
import dev.ingestion.ingest.IngestLimits;
import dev.ingestion.ingest.Ingestions;
import dev.ingestion.ingest.Quota;
import dev.ingestion.retention.RetentionPurge;
import dev.ingestion.settings.AccessSettings;
import dev.ingestion.settings.DeploymentGuard;
import dev.ingestion.settings.IngestSettings;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.QueueStore;
import dev.ingestion.store.Retention;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The composition root's part for the edge where work comes in and goes out: the ingest path, its
 * limits and quotas, the API keys, and the retention that deletes what has been kept long enough.
 */
@Configuration(proxyBeanMethods = false)
class IngestWiring {

    private static final Logger log = LoggerFactory.getLogger(IngestWiring.class);

    @Bean(destroyMethod = "close")
    GroupCommit groupCommit(QueueStore store, AccessSettings access) {
        return new GroupCommit(store, access.maxWaitingIdsPerKey());
    }

    /** Takes the guard: no ingestion is accepted before the deployment's settings are checked. */
    @Bean
    Ingestions ingestions(
            GroupCommit groupCommit,
            QueueReads reads,
            Clock clock,
            IngestSettings settings,
            DispatcherLoop loop,
            Acceptance acceptance,
            DeploymentGuard guard) {
        return new Ingestions(groupCommit, reads, clock, settings.batchSize(), loop, acceptance);
    }

    @Bean
    Quota quota(AccessSettings access, IngestSettings settings) {
        return new Quota(access.maxWaitingIdsPerKey(), settings.batchSize(), settings.interval());
    }

    /**
     * Read once: from here on only the secrets' hashes are held. Each key gets its quota tally
     * now, so that instances never race to add one at a first ingestion.
     */
    @Bean
    ApiKeys apiKeys(AccessSettings access, IngestSettings settings, QueueStore store) {
        ApiKeys keys = ApiKeys.from(access);
        settings.requireKeysForFairShare(keys.enabled());
        if (keys.enabled()) {
            store.registerOwners(keys.names());
            log.info("API keys on: {}", keys.names());
        } else {
            log.info("API keys off: every endpoint is open (set INGEST_API_KEYS to require keys)");
        }
        return keys;
    }

    @Bean
    Acceptance acceptance(IngestSettings settings) {
        return new Acceptance(settings.acceptStatus());
    }

    @Bean
    IngestLimits ingestLimits(IngestSettings settings) {
        return new IngestLimits(settings.maxIds(), settings.maxBody().toBytes(), settings.bodyTimeout());
    }

    /** Completed work and idempotency keys, deleted once kept long enough (INGEST_RETENTION, INGEST_IDEMPOTENCY_TTL). */
    @Bean
    @DependsOnDatabaseInitialization
    RetentionPurge retentionPurge(DataSource dataSource, Clock clock, IngestSettings settings, MeterRegistry registry) {
        return new RetentionPurge(
                new Retention(dataSource), clock, settings.retention(), settings.idempotencyTtl(), registry);
    }
}
