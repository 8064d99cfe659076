package dev.ingestion.webhooks;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import dev.ingestion.store.WebhookOutbox.Due;

/**
 * Runs the deliverer: one thread claims what is due, as many as there are free senders, and the
 * senders make the attempts side by side, so a receiver that takes its whole timeout holds one
 * sender, not everyone's webhooks. Other instances' deliveries are found by polling the outbox
 * (an index range, a few times a second). On shutdown it stops claiming and waits for the
 * attempts under way, up to the drain timeout; one cut short keeps its lease, which runs out, and
 * is made again.
 */
public final class DeliveryLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DeliveryLoop.class);

    private final Deliverer deliverer;
    private final int senders;
    private final Duration poll;
    private final Duration drainTimeout;
    private final int phase;
    private final Semaphore free;
    private volatile boolean running;
    private Thread claimer;
    private ExecutorService pool;

    /**
     * @param phase the web server's graceful shutdown phase: the drain runs beside it
     */
    DeliveryLoop(Deliverer deliverer, int senders, Duration poll, Duration drainTimeout, int phase) {
        this.deliverer = deliverer;
        this.senders = senders;
        this.poll = poll;
        this.drainTimeout = drainTimeout;
        this.phase = phase;
        this.free = new Semaphore(senders);
    }

    @Override
    public synchronized void start() {
        AtomicInteger n = new AtomicInteger();
        pool = Executors.newFixedThreadPool(senders, task -> {
            Thread thread = new Thread(task, "webhook-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        running = true;
        claimer = new Thread(this::claimWhileRunning, "webhook-claims");
        claimer.setDaemon(true);
        claimer.start();
    }

    private void claimWhileRunning() {
        while (running) {
            try {
                // Waits for a sender to be free rather than sleeping a whole poll: attempts take a
                // few milliseconds, and a backlog drained at 16 per poll (64/s) when it slept.
                if (!free.tryAcquire(poll.toMillis(), TimeUnit.MILLISECONDS)) {
                    continue;
                }
                free.release();
                int room = free.availablePermits();
                int claimed = claimAndSend(room);
                if (claimed < room) {
                    Thread.sleep(poll.toMillis()); // nothing more is due now
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private int claimAndSend(int room) {
        try {
            List<Due> due = deliverer.claim(room);
            due.stream()
                    .collect(Collectors.groupingBy(Due::ingestionId, LinkedHashMap::new, Collectors.toList()))
                    .values()
                    .forEach(this::send);
            return due.size();
        } catch (RuntimeException e) {
            log.warn("webhooks: claiming due deliveries failed, trying again shortly: {}", e.toString());
            return 0;
        }
    }

    /**
     * One ingestion's deliveries of a claim go out one after the other, in event order, so a
     * receiver that answers sees a batch's completion before its ingestion's.
     */
    private void send(List<Due> ofOneIngestion) {
        free.acquireUninterruptibly();
        pool.execute(() -> {
            try {
                for (Due due : ofOneIngestion) {
                    attempt(due);
                }
            } finally {
                free.release();
            }
        });
    }

    private void attempt(Due due) {
        try {
            deliverer.attempt(due);
        } catch (RuntimeException e) {
            log.warn(
                    "webhook {}: the attempt failed here; it is made again once its lease runs out: {}",
                    Deliverer.webhookId(due),
                    e.toString());
        }
    }

    @Override
    public void stop() {
        ExecutorService senders;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            claimer.interrupt();
            senders = pool;
        }
        senders.shutdown();
        try {
            if (!senders.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("webhooks: attempts still under way after {}; they are made again later", drainTimeout);
                senders.shutdownNow();
            }
        } catch (InterruptedException e) {
            senders.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** Returns at once (see DispatcherLifecycle): the drain runs beside the web server's. */
    @Override
    public void stop(Runnable callback) {
        Thread drain = new Thread(
                () -> {
                    try {
                        stop();
                    } finally {
                        callback.run();
                    }
                },
                "webhook-drain");
        drain.setDaemon(true);
        drain.start();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return phase;
    }
}
