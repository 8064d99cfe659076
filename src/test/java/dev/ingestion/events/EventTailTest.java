package dev.ingestion.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Priority;
import dev.ingestion.store.EventLog;
import dev.ingestion.support.FakeClock;

class EventTailTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final FakeClock clock = new FakeClock(T0);
    /** The committed rows, in whatever order their transactions committed. */
    final List<EventLog.Event> committed = new ArrayList<>();

    final EventTail tail = new EventTail(
            (after, limit) -> committed.stream()
                    .filter(e -> e.logSeq() > after)
                    .sorted((a, b) -> Long.compare(a.logSeq(), b.logSeq()))
                    .limit(limit)
                    .toList(),
            0,
            clock,
            Duration.ofSeconds(2));

    void commit(long... logSeqs) {
        for (long logSeq : logSeqs) {
            committed.add(new EventLog.Event(
                    UUID.randomUUID(), 1, logSeq, EventKind.BATCH_STARTED, 0, 1, null, null, T0, Priority.HIGH, null));
        }
    }

    List<Long> poll() {
        return tail.poll().stream().map(EventLog.Event::logSeq).toList();
    }

    @Test
    void rowsComeOnceEachInLogOrder() {
        commit(1, 2, 3);
        assertThat(poll()).containsExactly(1L, 2L, 3L);
        assertThat(poll()).isEmpty();
        commit(4);
        assertThat(poll()).containsExactly(4L);
    }

    @Test
    void aNumberCommittedAfterALaterOneIsStillDeliveredOnce() {
        commit(1, 3); // 2's transaction is still open
        assertThat(poll()).containsExactly(1L, 3L);
        clock.advance(Duration.ofMillis(500));
        commit(2);

        assertThat(poll()).containsExactly(2L);
        assertThat(poll()).isEmpty();
        assertThat(tail.complete()).isEqualTo(3);
    }

    @Test
    void aNumberMissingLongerThanTheWaitIsTakenForARollbackAndTheTailMovesOn() {
        commit(1, 3);
        assertThat(poll()).containsExactly(1L, 3L);
        clock.advance(Duration.ofSeconds(1));
        assertThat(poll()).isEmpty();
        assertThat(tail.complete()).as("still waiting for 2").isEqualTo(1);

        clock.advance(Duration.ofSeconds(2));
        poll();
        commit(4);

        assertThat(poll()).containsExactly(4L);
        assertThat(tail.complete()).isEqualTo(4);
    }
}
