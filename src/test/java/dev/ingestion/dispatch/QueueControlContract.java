package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.QueueStore;
import dev.ingestion.store.QueueTotals;

/** Pausing dispatch, and the queue's totals as GET /queue shows them, on a fake clock. */
abstract class QueueControlContract extends DispatchFixture {

    static final RateLimit RATE = new RateLimit(INTERVAL);

    QueueTotals.Summary totals() {
        return new QueueTotals(dataSource).read(RATE, clock.instant());
    }

    @Test
    void whilePausedNothingStartsNotEvenARetryThatIsDueAndResumingStartsAtTheNextSlot() {
        ingest(Priority.HIGH, 1, 2, 3, 4);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        upstream.fetches().get(0).succeed();
        upstream.fetches().get(1).failTransiently(500, null); // handed back, due at once
        upstream.fetches().get(2).succeed();

        store.pause(true);
        for (int second : new int[] {5, 10, 60}) {
            assertThat(runOnceAt(second)).as("at T%d", second).isEqualTo(new Claim.Paused().toString());
        }
        ingest(Priority.HIGH, 5);
        assertThat(runOnceAt(61)).as("ingest goes on; dispatch does not").isEqualTo(new Claim.Paused().toString());
        assertThat(totals().paused()).isTrue();

        new QueueStore(dataSource).pause(false); // another instance resumes: the state is the store's
        assertThat(runOnceAt(62)).isEqualTo("T62 [2]");
        assertThat(totals().paused()).isFalse();
    }

    @Test
    void theTotalsCountWaitingWorkPerPriorityWhatRunsAndWhatRanInTheLastMinuteAndHour() {
        ingest(Priority.HIGH, 1, 2, 3, 4);
        ingest(Priority.LOW, 5, 6, 7, 8, 9, 10, 11);
        assertThat(totals().waiting())
                .isEqualTo(Map.of(
                        Priority.HIGH, new QueueTotals.Waiting(2, 4),
                        Priority.MEDIUM, new QueueTotals.Waiting(0, 0),
                        Priority.LOW, new QueueTotals.Waiting(3, 7)));

        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        upstream.fetches().forEach(fetch -> fetch.failForGood(404));
        assertThat(runOnceAt(5)).isEqualTo("T5 [4]");
        clock.set(at(6));
        QueueTotals.Summary summary = totals();
        assertThat(summary.waiting().get(Priority.HIGH)).isEqualTo(new QueueTotals.Waiting(0, 0));
        assertThat(summary.waiting().get(Priority.LOW)).isEqualTo(new QueueTotals.Waiting(3, 7));
        assertThat(summary.inFlight()).as("[4] runs").isEqualTo(1);
        assertThat(summary.starts()).isEqualTo(new QueueTotals.Recent(2, 2));
        assertThat(summary.failedIds()).isEqualTo(new QueueTotals.Recent(3, 3));
        assertThat(summary.limiter().lastStart()).isEqualTo(at(5));

        clock.set(at(6).plus(Duration.ofMinutes(2)));
        summary = totals();
        assertThat(summary.starts()).isEqualTo(new QueueTotals.Recent(0, 2));
        assertThat(summary.failedIds()).isEqualTo(new QueueTotals.Recent(0, 3));
        assertThat(summary.inFlight())
                .as("[4]'s lease has run out: it waits to run again")
                .isZero();
        assertThat(summary.toRunAgain()).isEqualTo(1);
    }
}
