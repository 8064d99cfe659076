package dev.ingestion.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ingestion.queue.Arrivals;
import dev.ingestion.queue.Claim;

/**
 * The dispatcher's thread: calls {@link Dispatcher#runOnce()} when a slot opens, or as soon as
 * work arrives while idle, and sleeps in between. While a slot is still closed, arrivals do not
 * wake it: they cannot open the slot any sooner, and a busy ingest path would otherwise hammer
 * the limiter row.
 */
public final class DispatcherLoop implements Arrivals {

    private static final Logger log = LoggerFactory.getLogger(DispatcherLoop.class);
    /** How often an idle loop looks for work it was not told about (another instance's, say). */
    private static final Duration IDLE_POLL = Duration.ofSeconds(1);

    private static final Duration ERROR_BACKOFF = Duration.ofSeconds(1);

    private final Dispatcher dispatcher;
    private final Clock clock;
    private final Duration renewEvery;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private boolean workArrived;
    /** Whether the loop sleeps until work arrives; only then does an arrival signal it. */
    private boolean idle;

    private volatile boolean running;
    private Thread thread;
    private Instant nextRenewal;

    /** @param clock this instance's clock, for lease renewals; slots come with the claims */
    public DispatcherLoop(Dispatcher dispatcher, Clock clock) {
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.renewEvery = dispatcher.lease().dividedBy(3);
    }

    /**
     * Called after an ingestion is committed. Signals the loop only while it is idle: under
     * load the commits come hundreds of times a second, and waking a loop that waits for its
     * slot would only send it back to sleep, each time taking a turn on the CPU that the
     * request threads and the commit need.
     */
    @Override
    public void workArrived() {
        lock.lock();
        try {
            workArrived = true;
            if (idle) {
                wake.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    private void interrupt() {
        lock.lock();
        try {
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        nextRenewal = Instant.MIN;
        thread = new Thread(this::loop, "dispatcher");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops taking slots; batches already started go on (see {@link Dispatcher#drain}). */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        interrupt();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean isRunning() {
        return running;
    }

    private void loop() {
        int failures = 0;
        while (running) {
            Pause pause;
            try {
                pause = step();
                if (failures > 0) {
                    log.info("dispatcher recovered after {} failed step(s)", failures);
                    failures = 0;
                }
            } catch (RuntimeException e) {
                // Once a second during an outage: say so at the start and every 30 tries, not each time.
                if (failures++ % 30 == 0) {
                    log.warn(
                            "dispatcher step failed ({} in a row), retrying every {}: {}",
                            failures,
                            ERROR_BACKOFF,
                            e.toString());
                }
                pause = new Pause(ERROR_BACKOFF, false);
            }
            pause(pause.length(), pause.wakeOnArrival());
        }
    }

    private Pause step() {
        Instant now = clock.instant();
        if (!now.isBefore(nextRenewal)) {
            dispatcher.renewLeases();
            nextRenewal = now.plus(renewEvery);
        }
        Claim claim = dispatcher.runOnce();
        if (claim instanceof Claim.Started) {
            return new Pause(Duration.ZERO, false);
        }
        Duration untilRenewal = Duration.between(clock.instant(), nextRenewal);
        if (claim instanceof Claim.NotBefore notBefore) {
            return new Pause(earlier(dispatcher.untilSlot(notBefore), untilRenewal), false);
        }
        // Jitter keeps idle instances of one deployment from polling in step.
        Duration poll = IDLE_POLL
                .multipliedBy(80 + ThreadLocalRandom.current().nextInt(41))
                .dividedBy(100);
        return new Pause(earlier(poll, untilRenewal), true);
    }

    private static Duration earlier(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** How long to sleep, and whether an arriving ingestion cuts the sleep short. */
    private record Pause(Duration length, boolean wakeOnArrival) {}

    private void pause(Duration wait, boolean wakeOnArrival) {
        lock.lock();
        try {
            idle = wakeOnArrival;
            long nanos = wait.toNanos();
            while (running && nanos > 0 && !(idle && workArrived)) {
                nanos = wake.awaitNanos(nanos);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            idle = false;
            workArrived = false;
            lock.unlock();
        }
    }
}
