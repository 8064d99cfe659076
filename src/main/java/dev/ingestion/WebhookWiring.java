package dev.ingestion;

import java.time.Clock;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.ingestion.settings.IngestSettings;
import dev.ingestion.settings.WebhookSettings;
import dev.ingestion.store.Dialect;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.WebhookOutbox;
import dev.ingestion.webhooks.CallbackAddresses;
import dev.ingestion.webhooks.Callbacks;
import dev.ingestion.webhooks.Deliverer;
import dev.ingestion.webhooks.Webhooks;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The composition root's part for completion webhooks (issue 15). Deliveries run only where
 * INGEST_WEBHOOK_SECRET is set: a webhook is never sent unsigned, and without the secret a
 * callback_url is refused.
 */
@Configuration(proxyBeanMethods = false)
class WebhookWiring {

    private static final Logger log = LoggerFactory.getLogger(WebhookWiring.class);

    @Bean
    @DependsOnDatabaseInitialization
    WebhookOutbox webhookOutbox(DataSource dataSource) {
        return new WebhookOutbox(dataSource);
    }

    @Bean
    Callbacks callbacks(WebhookSettings settings) {
        log.info(
                settings.enabled()
                        ? "webhooks on: {}"
                        : "webhooks off: callback_url is refused (set INGEST_WEBHOOK_SECRET to sign and send them); {}",
                settings);
        return new Callbacks(settings.enabled(), new CallbackAddresses(settings.allowPrivate()));
    }

    /**
     * Decided here rather than by a condition on the bean: the jar's bean definitions are fixed when
     * it is built (Spring AOT, docs/OPERATIONS.md), and the secret is given when it runs.
     */
    @Bean
    SmartLifecycle webhookDeliveries(
            WebhookSettings settings,
            WebhookOutbox outbox,
            QueueReads reads,
            Dialect dialect,
            Clock clock,
            MeterRegistry registry,
            IngestSettings ingest) {
        if (!settings.enabled()) {
            return Webhooks.off();
        }
        if (dialect.singleProcess()) {
            // No other process can hold a lease: attempts cut short by the last shutdown are due now.
            outbox.releaseAllLeases();
        }
        Deliverer deliverer = Webhooks.deliverer(
                settings,
                outbox,
                reads,
                new CallbackAddresses(settings.allowPrivate()),
                clock,
                IngestionApplication.instanceName(),
                registry);
        return Webhooks.loop(
                deliverer, settings, ingest.drainTimeout(), WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE);
    }
}
