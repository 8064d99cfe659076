package dev.ingestion.dispatch;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.ingestion.store.Dialect;
import dev.ingestion.store.QueueStore;

/** Starts the dispatcher once the store is ready, and on shutdown lets running batches finish. */
public final class DispatcherLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DispatcherLifecycle.class);

    private final DispatcherLoop loop;
    private final Dispatcher dispatcher;
    private final QueueStore store;
    private final Dialect dialect;
    private final Duration drainTimeout;

    public DispatcherLifecycle(
            DispatcherLoop loop, Dispatcher dispatcher, QueueStore store, Dialect dialect, Duration drainTimeout) {
        this.loop = loop;
        this.dispatcher = dispatcher;
        this.store = store;
        this.dialect = dialect;
        this.drainTimeout = drainTimeout;
    }

    @Override
    public void start() {
        if (dialect.singleProcess()) {
            // The file lock says no other process runs them: batches left triggered by a crash
            // can run again at the next slot rather than after their lease.
            int orphans = store.releaseAllLeases();
            if (orphans > 0) {
                log.info("{} batch(es) interrupted by the last shutdown will run again", orphans);
            }
        }
        loop.start();
    }

    @Override
    public void stop() {
        loop.stop();
        if (!dispatcher.drain(drainTimeout)) {
            log.warn(
                    "{} batch(es) still running after {}; they will run again at the next start",
                    dispatcher.inFlight(),
                    drainTimeout);
        }
    }

    @Override
    public boolean isRunning() {
        return loop.isRunning();
    }
}
