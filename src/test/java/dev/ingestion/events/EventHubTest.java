package dev.ingestion.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Priority;
import dev.ingestion.status.QueueView;
import dev.ingestion.store.EventLog;
import dev.ingestion.support.FakeClock;

class EventHubTest {

    final FakeClock clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z"));
    final AtomicInteger logReads = new AtomicInteger();
    final AtomicInteger totalsReads = new AtomicInteger();
    final AtomicInteger logged = new AtomicInteger();

    final EventHub hub = new EventHub(
            new EventHub.Log() {
                @Override
                public List<EventLog.Event> after(long logSeq, int limit) {
                    logReads.incrementAndGet();
                    // one new event every read
                    int seq = logged.incrementAndGet();
                    return List.of(new EventLog.Event(
                            UUID.randomUUID(),
                            1,
                            seq,
                            EventKind.BATCH_STARTED,
                            0,
                            1,
                            null,
                            null,
                            clock.instant(),
                            Priority.LOW,
                            null));
                }

                @Override
                public long head() {
                    return 0;
                }

                @Override
                public List<EventLog.Event> ofIngestion(UUID ingestionId, int seq) {
                    return List.of();
                }
            },
            () -> {
                totalsReads.incrementAndGet();
                return new QueueView(false, 5000, 5000, null, null, Map.of(), totalsReads.get(), 0, null, null);
            },
            clock);

    int readsOverTenTicksWith(int viewers) {
        for (int i = 0; i < viewers; i++) {
            hub.subscribe(new Viewer(new SseEmitter(0L), Caller.OPEN));
        }
        logReads.set(0);
        totalsReads.set(0);
        for (int tick = 0; tick < 10; tick++) {
            hub.tick();
            clock.advance(EventHub.TICK);
        }
        return logReads.get() + totalsReads.get();
    }

    @Test
    void theStoreIsReadAsOftenForTwoHundredViewersAsForOne() {
        int forOne = readsOverTenTicksWith(1);
        int forTwoHundred = readsOverTenTicksWith(199);

        assertThat(hub.viewers()).isEqualTo(200);
        assertThat(forOne)
                .as("a log read and a totals read per tick with events")
                .isEqualTo(20);
        assertThat(forTwoHundred).isEqualTo(forOne);
    }

    @Test
    void withNobodyWatchingNothingIsRead() {
        for (int tick = 0; tick < 10; tick++) {
            hub.tick();
        }

        assertThat(logReads.get() + totalsReads.get()).isZero();
    }

    /** An emitter whose client stopped reading: every write blocks until the test ends. */
    static final class Stuck extends SseEmitter {
        final java.util.concurrent.CountDownLatch release;

        Stuck(java.util.concurrent.CountDownLatch release) {
            super(0L);
            this.release = release;
        }

        @Override
        public void send(SseEventBuilder builder) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** An emitter that counts what reaches its client. */
    static final class Counting extends SseEmitter {
        final AtomicInteger sent = new AtomicInteger();

        Counting() {
            super(0L);
        }

        @Override
        public void send(SseEventBuilder builder) {
            sent.incrementAndGet();
        }
    }

    @Test
    void clientsThatStopReadingHoldUpNobodyElse() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try {
            for (int i = 0; i < 3; i++) {
                hub.subscribe(new Viewer(new Stuck(release), Caller.OPEN));
            }
            Counting reader = new Counting();
            hub.subscribe(new Viewer(reader, Caller.OPEN));

            for (int tick = 0; tick < 5; tick++) {
                hub.tick();
                clock.advance(EventHub.TICK);
            }

            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(reader.sent.get())
                            .as("the queue on connect, then 5 ticks of a batch event and the queue")
                            .isGreaterThanOrEqualTo(1 + 5 * 2));
        } finally {
            release.countDown();
            hub.stop();
        }
    }
}
