package dev.ingestion.dispatch;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.ingestion.store.Dialect;
import dev.ingestion.store.QueueStore;

/**
 * Starts the dispatcher once the store is ready. On shutdown it stops claiming slots at once,
 * gives running batches up to the drain timeout to store their records, and gives back the
 * leases of those still running, so that their missing ids run at the next slot elsewhere (or
 * after the restart) instead of after the lease.
 */
public final class DispatcherLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DispatcherLifecycle.class);

    private final DispatcherLoop loop;
    private final Dispatcher dispatcher;
    private final QueueStore store;
    private final Dialect dialect;
    private final Duration drainTimeout;
    private final int phase;

    /**
     * @param phase the phase of the web server's graceful shutdown: the drain runs side by side
     *     with it, so that a shutdown takes the longer of the two, not their sum
     */
    public DispatcherLifecycle(
            DispatcherLoop loop,
            Dispatcher dispatcher,
            QueueStore store,
            Dialect dialect,
            Duration drainTimeout,
            int phase) {
        this.loop = loop;
        this.dispatcher = dispatcher;
        this.store = store;
        this.dialect = dialect;
        this.drainTimeout = drainTimeout;
        this.phase = phase;
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
        drainThenHandBack(System.nanoTime() + drainTimeout.toNanos());
    }

    /**
     * Returns at once: the lifecycle processor calls the stop of every bean of a phase in turn
     * on one thread, so a drain done here would hold back the web server's graceful shutdown.
     */
    @Override
    public void stop(Runnable callback) {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        Thread drain = new Thread(
                () -> {
                    try {
                        drainThenHandBack(deadline);
                    } finally {
                        callback.run();
                    }
                },
                "dispatcher-drain");
        drain.setDaemon(true);
        drain.start();
    }

    private void drainThenHandBack(long deadline) {
        loop.stop();
        int running = dispatcher.inFlight();
        if (running == 0) {
            return;
        }
        log.info("shutting down: waiting up to {} for {} running batch(es)", drainTimeout, running);
        Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        if (dispatcher.drain(left)) {
            log.info("shutting down: every running batch finished");
            return;
        }
        try {
            int handedBack = dispatcher.handBack();
            log.warn(
                    "shutting down: {} batch(es) still running after {}; gave back {} lease(s), so their missing ids "
                            + "run at the next slot of another instance or of the restart",
                    dispatcher.inFlight(),
                    drainTimeout,
                    handedBack);
        } catch (RuntimeException e) {
            // The store is out of reach: the leases run out on their own (and an embedded store
            // frees them when it starts again).
            log.warn(
                    "shutting down: {} batch(es) still running after {}, and their leases could not be given back: {}",
                    dispatcher.inFlight(),
                    drainTimeout,
                    e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return loop.isRunning();
    }

    @Override
    public int getPhase() {
        return phase;
    }
}
