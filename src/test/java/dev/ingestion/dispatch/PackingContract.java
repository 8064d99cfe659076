package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.SlotOrder;
import dev.ingestion.store.BatchRow;
import dev.ingestion.support.ManualUpstream;
import dev.ingestion.upstream.Outcome;
import dev.ingestion.upstream.RetryPolicy;
import dev.ingestion.upstream.Upstream;

/**
 * Slot packing (INGEST_PACKING) on a fake clock: a slot carries the chosen batch and then the next
 * batches in the order, whole, while its ids stay within the batch size (3). Each start is written
 * "T10 [9] [4, 5]": the slot's time and each of its batches' ids to fetch, in the order they joined.
 */
abstract class PackingContract extends DispatchFixture {

    static final int BATCH_SIZE = 3;
    static final RateLimit RATE = new RateLimit(INTERVAL, Duration.ofSeconds(40));

    /** The ids of each call the dispatcher made to the upstream, in order. */
    final List<List<Integer>> calls = new ArrayList<>();

    @Override
    Dispatcher dispatcher(String owner, ManualUpstream upstream) {
        return packing(RETRY_AT_THE_NEXT_SLOT, upstream);
    }

    Dispatcher packing(RetryPolicy retries, ManualUpstream upstream) {
        Upstream recorded = new Upstream() {
            @Override
            public List<CompletableFuture<Outcome>> fetch(List<Integer> ids) {
                calls.add(List.copyOf(ids));
                return upstream.fetch(ids);
            }

            @Override
            public Duration expectedLatency() {
                return upstream.expectedLatency();
            }
        };
        return new Dispatcher(
                store,
                recorded,
                retries,
                clock,
                clock,
                RATE,
                LEASE,
                "instance-1",
                Runnable::run,
                DispatchEvents.NONE,
                new SlotOrder(BATCH_SIZE, Fairness.OFF));
    }

    @Override
    String describe(Claim.Started started) {
        long millis = Duration.between(T0, started.batch().startedAt()).toMillis();
        String time = millis % 1000 == 0 ? Long.toString(millis / 1000) : millis + "ms";
        return "T" + time + " "
                + started.batches().stream()
                        .map(batch -> batch.toFetch().stream()
                                .map(ClaimedBatch.Item::id)
                                .toList()
                                .toString())
                        .collect(Collectors.joining(" "));
    }

    @Test
    void theWorkedExampleOfTheSpecPacksNineWithFourAndFiveAtT10() {
        UUID a = ingest(Priority.MEDIUM, 1, 2, 3, 4, 5);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        clock.set(at(4));
        UUID b = ingest(Priority.HIGH, 6, 7, 8, 9);
        assertThat(dispatcher.runOnce()).isEqualTo(new Claim.NotBefore(at(5), at(4)));

        assertThat(drain()).containsExactly("T5 [6, 7, 8]", "T10 [9] [4, 5]");
        assertThat(reads.startedBatches(a)).extracting(BatchRow::startedAt).containsExactly(at(0), at(10));
        assertThat(reads.startedBatches(b)).extracting(BatchRow::startedAt).containsExactly(at(5), at(10));
    }

    @Test
    void eachSlotIsOneUpstreamCallCarryingAllItsIds() {
        ingest(Priority.MEDIUM, 1, 2, 3, 4, 5);
        runOnceAt(0);
        clock.set(at(4));
        ingest(Priority.HIGH, 6, 7, 8, 9);
        drain();

        assertThat(calls).containsExactly(List.of(1, 2, 3), List.of(6, 7, 8), List.of(9, 4, 5));
    }

    @Test
    void packingStopsAtTheFirstBatchThatDoesNotFitAndNeverSkipsAhead() {
        ingest(Priority.HIGH, 1, 2);
        ingest(Priority.MEDIUM, 3, 4);
        ingest(Priority.MEDIUM, 5);
        ingest(Priority.LOW, 6, 7, 8, 9);

        assertThat(drain()).containsExactly("T0 [1, 2]", "T5 [3, 4] [5]", "T10 [6, 7, 8]", "T15 [9]");
    }

    @Test
    void theSlotsOfPackedBatchesAreCountedOnceInTheQueueTotalsAndEveryBatchCompletes() {
        UUID a = ingest(Priority.MEDIUM, 1);
        UUID b = ingest(Priority.MEDIUM, 2, 3);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1] [2, 3]");

        upstream.completeAll();

        assertThat(reads.startedBatches(a))
                .singleElement()
                .satisfies(row -> assertThat(row.completed()).isTrue());
        assertThat(reads.startedBatches(b))
                .singleElement()
                .satisfies(row -> assertThat(row.completed()).isTrue());
        assertThat(dispatcher.inFlight()).isZero();
        assertThat(runOnceAt(5)).isEqualTo(new Claim.Idle().toString());
    }

    @Test
    void aRetryOfOneIdPacksWithTheNextBatch() {
        ingest(Priority.MEDIUM, 1, 2, 3);
        ingest(Priority.MEDIUM, 4, 5);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        List<ManualUpstream.Fetch> fetches = upstream.fetches();
        fetches.get(0).succeed();
        fetches.get(1).fail();
        fetches.get(2).succeed();

        assertThat(drain()).containsExactly("T5 [2] [4, 5]");
        assertThat(calls).last().isEqualTo(List.of(2, 4, 5));
    }

    @Test
    void aBatchWaitingForItsBackOffIsNotPackedAndDoesNotStopThePacking() {
        dispatcher = packing(new RetryPolicy(Duration.ofSeconds(10), 5, () -> 0), upstream);
        ingest(Priority.HIGH, 1, 2, 3, 4);
        ingest(Priority.MEDIUM, 7, 8);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        List<ManualUpstream.Fetch> fetches = upstream.fetches();
        fetches.get(0).fail(); // id 1 is tried again no sooner than T10
        fetches.get(1).succeed();
        fetches.get(2).succeed();

        assertThat(runOnceAt(5)).isEqualTo("T5 [4] [7, 8]");
        assertThat(runOnceAt(10)).isEqualTo("T10 [1]");
    }

    @Test
    void aPackedSlotIsOneSlotToTheRateLimiterWhenThrottled() {
        ingest(Priority.MEDIUM, 1);
        ingest(Priority.MEDIUM, 2);
        ingest(Priority.MEDIUM, 3);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1] [2] [3]");

        upstream.fetches().forEach(fetch -> fetch.failTransiently(429, null));

        // three throttled batches in one slot double the interval once, not three times (40 s)
        assertThat(dispatcher.effectiveInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(reads.rateLimiter(RATE).interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(reads.starts()).extracting(start -> start.startedAt()).containsOnly(at(0));
        clock.set(at(9));
        assertThat(dispatcher.runOnce()).isEqualTo(new Claim.NotBefore(at(10), at(9)));
        assertThat(runOnceAt(10)).isEqualTo("T10 [1] [2] [3]");
    }

    @Test
    void aPackedSlotIsOneSlotToTheRateLimiterWhenAnsweredOrDown() {
        ingest(Priority.MEDIUM, 1);
        ingest(Priority.MEDIUM, 2);
        ingest(Priority.MEDIUM, 3);
        ingest(Priority.MEDIUM, 4);
        ingest(Priority.MEDIUM, 5);
        ingest(Priority.MEDIUM, 6);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1] [2] [3]");
        upstream.fetches().forEach(ManualUpstream.Fetch::succeed);
        assertThat(reads.rateLimiter(RATE).cleanSlots()).isEqualTo(1);

        assertThat(runOnceAt(5)).isEqualTo("T5 [4] [5] [6]");
        upstream.fetches().stream().skip(3).forEach(ManualUpstream.Fetch::fail);

        // three batches without an answer in one slot are one down slot: the breaker (three) stays shut
        assertThat(reads.rateLimiter(RATE).failingSlots()).isEqualTo(1);
        assertThat(dispatcher.breakerOpen()).isFalse();
        assertThat(runOnceAt(10)).isEqualTo("T10 [4] [5] [6]");
    }

    @Test
    void whileTheBreakerIsOpenTheProbeTravelsAlone() {
        for (int id = 1; id <= 4; id++) {
            ingest(Priority.MEDIUM, id);
        }
        for (int slot = 0; slot < RateLimit.BREAKER; slot++) {
            Claim claim = dispatcher.runOnce();
            if (claim instanceof Claim.NotBefore notBefore) {
                clock.set(notBefore.slot());
                claim = dispatcher.runOnce();
            }
            assertThat(claim).isInstanceOf(Claim.Started.class);
            upstream.fetches().stream()
                    .filter(fetch -> !fetch.result().isDone())
                    .forEach(fetch -> fetch.failTransiently(503, null));
        }
        assertThat(dispatcher.breakerOpen()).isTrue();

        assertThat(runOnceAt(15)).isEqualTo("T15 [1]");
    }
}
