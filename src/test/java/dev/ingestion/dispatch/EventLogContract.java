package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.ingestion.queue.Priority;
import dev.ingestion.store.EventLog;

/** The event log as the dispatcher writes it, on a fake clock. */
abstract class EventLogContract extends DispatchFixture {

    static String describe(EventLog.Event event) {
        return event.seq() + " " + event.kind().label()
                + (event.batchIndex() == null ? "" : " " + event.batchIndex())
                + (event.attempt() == null ? "" : " #" + event.attempt())
                + (event.idCount() == null ? "" : " " + event.idCount() + " ids, " + event.failedIds() + " failed")
                + " T"
                + (event.at().getEpochSecond() - T0.getEpochSecond());
    }

    @Test
    void everyStartRetryAndCompletionIsAnEventNumberedPerIngestionInTheOrderTheyHappened() {
        EventLog log = new EventLog(dataSource);
        long head = log.head();
        UUID id = ingest(Priority.HIGH, 1, 2, 3, 4, 5);
        UUID other = ingest(Priority.LOW, 6);

        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        clock.set(at(1));
        upstream.fetches().get(0).succeed();
        upstream.fetches().get(1).failTransiently(503, null);
        upstream.fetches().get(2).succeed();
        assertThat(runOnceAt(5)).isEqualTo("T5 [2]");
        clock.set(at(6));
        upstream.fetches().get(3).succeed();
        assertThat(runOnceAt(10)).isEqualTo("T10 [4, 5]");
        clock.set(at(11));
        upstream.fetches().get(4).succeed();
        upstream.fetches().get(5).failForGood(404);
        assertThat(runOnceAt(15)).isEqualTo("T15 [6]");

        assertThat(log.ofIngestion(id, 0))
                .extracting(EventLogContract::describe)
                .containsExactly(
                        "1 batch.started 0 #1 T0",
                        "2 batch.retry 0 #1 T1",
                        "3 batch.started 0 #2 T5",
                        "4 batch.completed 0 3 ids, 0 failed T6",
                        "5 batch.started 1 #1 T10",
                        "6 batch.completed 1 2 ids, 1 failed T11",
                        "7 ingestion.completed T11");
        assertThat(log.ofIngestion(id, 5)).extracting(EventLog.Event::seq).containsExactly(6, 7);

        List<EventLog.Event> deployment = log.after(head, 100);
        assertThat(deployment).extracting(EventLog.Event::logSeq).isSorted().doesNotHaveDuplicates();
        assertThat(deployment.subList(0, 7))
                .extracting(EventLog.Event::ingestionId)
                .containsOnly(id);
        assertThat(deployment.get(7).ingestionId()).isEqualTo(other);
        assertThat(deployment.get(7).priority()).isEqualTo(Priority.LOW);
        assertThat(log.head()).isEqualTo(deployment.get(7).logSeq());
    }
}
