package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.ingestion.ingest.Ingestions;
import dev.ingestion.queue.Claim;
import dev.ingestion.queue.ClaimedBatch;
import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.SlotOrder;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.QueueStore;
import dev.ingestion.support.ManualUpstream;

/**
 * Fair share within a priority (INGEST_FAIRNESS) on a fake clock, through the dispatcher: the
 * slots of one priority go round-robin among its waiting ingestions, or among the API keys with
 * waiting work and first in, first out within a key. Each start is written "T5 [4, 5, 6]"; a
 * packed slot lists each of its batches.
 */
abstract class FairShareContract extends DispatchFixture {

    static final RateLimit RATE = new RateLimit(INTERVAL, Duration.ofSeconds(40));

    Fairness fairness = Fairness.INGESTION;
    int packUpTo = 0;

    @Override
    Dispatcher dispatcher(String owner, ManualUpstream upstream) {
        return new Dispatcher(
                store,
                upstream,
                RETRY_AT_THE_NEXT_SLOT,
                clock,
                clock,
                RATE,
                LEASE,
                owner,
                Runnable::run,
                DispatchEvents.NONE,
                new SlotOrder(packUpTo, fairness));
    }

    void use(Fairness fairness, int packUpTo) {
        this.fairness = fairness;
        this.packUpTo = packUpTo;
        dispatcher = dispatcher("instance-1", upstream);
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

    UUID ingest(String key, Priority priority, int... ids) {
        return ((Ingestions.Submitted.Accepted) ingestions.submit(ids, priority, key, null, null)).ingestionId();
    }

    /** Runs the dispatcher at the slots from {@code from} on, answering every fetch at once. */
    List<String> drainAnswering() {
        List<String> starts = new ArrayList<>();
        while (true) {
            Claim claim = dispatcher.runOnce();
            upstream.completeAll();
            if (claim instanceof Claim.Started started) {
                starts.add(describe(started));
            } else if (claim instanceof Claim.NotBefore notBefore) {
                clock.set(notBefore.slot());
            } else {
                return starts;
            }
        }
    }

    // ---- INGEST_FAIRNESS=ingestion ----------------------------------------------------------

    @Test
    void theSlotsOfAPriorityGoRoundRobinAmongItsWaitingIngestionsToTheMillisecond() {
        clock.set(T0.plusMillis(250));
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        ingest(Priority.LOW, 10, 11, 12, 13, 14, 15);
        ingest(Priority.LOW, 16);

        assertThat(drainAnswering())
                .containsExactly(
                        "T250ms [1, 2, 3]",
                        "T5250ms [10, 11, 12]",
                        "T10250ms [16]",
                        "T15250ms [4, 5, 6]",
                        "T20250ms [13, 14, 15]",
                        "T25250ms [7, 8, 9]");
    }

    @Test
    void prioritiesStillComeFirstAndTheLowRoundGoesOnWhereItWas() {
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6);
        ingest(Priority.LOW, 7, 8, 9);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        clock.set(at(3));
        ingest(Priority.HIGH, 10, 11, 12, 13, 14, 15);
        ingest(Priority.MEDIUM, 16);

        assertThat(drainAnswering())
                .containsExactly("T5 [10, 11, 12]", "T10 [13, 14, 15]", "T15 [16]", "T20 [7, 8, 9]", "T25 [4, 5, 6]");
    }

    @Test
    void aSmallRequestArrivingBehindAHugeOneStartsAtTheNextSlotAndThenTheyAlternate() {
        int[] huge = new int[3_000];
        for (int i = 0; i < huge.length; i++) {
            huge[i] = i + 1;
        }
        ingest(Priority.LOW, huge);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        clock.set(at(3));
        ingest(Priority.LOW, 9001, 9002, 9003, 9004, 9005);

        // it joins the round just ahead of the huge one, which has just had its turn
        assertThat(runOnceAt(5)).isEqualTo("T5 [9001, 9002, 9003]");
        assertThat(runOnceAt(10)).isEqualTo("T10 [4, 5, 6]");
        assertThat(runOnceAt(15)).isEqualTo("T15 [9004, 9005]");
        assertThat(runOnceAt(20)).isEqualTo("T20 [7, 8, 9]");
    }

    @Test
    void aStreamOfNewSmallIngestionsDoesNotStarveTheBigOneWhichKeepsEveryOtherSlot() {
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        StringBuilder seen = new StringBuilder();
        for (int slot = 0; slot < 8; slot++) {
            if (slot % 2 == 1) {
                clock.set(at(slot * 5 - 1));
                ingest(Priority.LOW, 100 + slot);
            }
            seen.append(runOnceAt(slot * 5)).append("; ");
            upstream.completeAll();
        }

        assertThat(seen.toString())
                .isEqualTo("T0 [1, 2, 3]; T5 [101]; T10 [4, 5, 6]; T15 [103]; T20 [7, 8, 9]; T25 [105]; "
                        + "T30 [10, 11, 12]; T35 [107]; ");
    }

    @Test
    void afterAKillAndARestartTheRoundGoesOnWhereItWasAndTheBatchRunAgainStandsInItsIngestionsTurn() {
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        ingest(Priority.LOW, 10, 11, 12, 13, 14, 15);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        upstream.completeAll();
        assertThat(runOnceAt(5)).isEqualTo("T5 [10, 11, 12]"); // lost with the process

        // a new process on the same database: a new store and dispatcher, the round where it was
        store = new QueueStore(dataSource);
        upstream = new ManualUpstream();
        dispatcher = dispatcher("instance-2", upstream);
        clock.set(at(7));
        assertThat(store.releaseAllLeases()).isEqualTo(1);

        assertThat(drainAnswering())
                .containsExactly("T10 [4, 5, 6]", "T15 [10, 11, 12]", "T20 [7, 8, 9]", "T25 [13, 14, 15]");
    }

    @Test
    void aRetryDueStandsInItsIngestionsTurnRatherThanJumpingTheRound() {
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6);
        ingest(Priority.LOW, 7, 8, 9, 10, 11, 12);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        List<ManualUpstream.Fetch> fetches = upstream.fetches();
        fetches.get(0).fail(); // id 1 is due again at once, in its ingestion's turn
        fetches.get(1).succeed();
        fetches.get(2).succeed();

        assertThat(drainAnswering()).containsExactly("T5 [7, 8, 9]", "T10 [1]", "T15 [10, 11, 12]", "T20 [4, 5, 6]");
    }

    // ---- INGEST_FAIRNESS=key ----------------------------------------------------------------

    @Test
    void byKeyTheSlotsGoRoundRobinAmongTheKeysWithWaitingWorkFirstInFirstOutWithinAKey() {
        use(Fairness.KEY, 0);
        clock.set(T0.plusMillis(40));
        ingest("a", Priority.LOW, 1, 2, 3, 4, 5, 6);
        ingest("b", Priority.LOW, 10, 11, 12, 13);
        ingest("a", Priority.LOW, 7);
        ingest("c", Priority.LOW, 20);

        assertThat(drainAnswering())
                .containsExactly(
                        "T40ms [1, 2, 3]",
                        "T5040ms [10, 11, 12]",
                        "T10040ms [20]",
                        "T15040ms [4, 5, 6]",
                        "T20040ms [13]",
                        "T25040ms [7]");
    }

    @Test
    void byKeyPrioritiesStillComeFirstAndAKeyWithManyIngestionsGetsOneTurnARound() {
        use(Fairness.KEY, 0);
        ingest("a", Priority.LOW, 1);
        ingest("a", Priority.LOW, 2);
        ingest("a", Priority.LOW, 3);
        ingest("b", Priority.LOW, 10, 11, 12, 13, 14, 15);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1]");
        clock.set(at(2));
        ingest("a", Priority.HIGH, 30);
        ingest("b", Priority.HIGH, 40);

        assertThat(drainAnswering())
                .containsExactly("T5 [30]", "T10 [40]", "T15 [10, 11, 12]", "T20 [2]", "T25 [13, 14, 15]", "T30 [3]");
    }

    @Test
    void byKeyAfterAKillAndARestartTheRoundOfKeysGoesOnWhereItWas() {
        use(Fairness.KEY, 0);
        ingest("a", Priority.MEDIUM, 1, 2, 3, 4, 5, 6);
        ingest("b", Priority.MEDIUM, 10, 11, 12, 13, 14, 15);
        ingest("c", Priority.MEDIUM, 20, 21, 22, 23);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        upstream.completeAll();
        assertThat(runOnceAt(5)).isEqualTo("T5 [10, 11, 12]");
        upstream.completeAll();

        store = new QueueStore(dataSource);
        upstream = new ManualUpstream();
        dispatcher = dispatcher("instance-2", upstream);
        clock.set(at(7));

        assertThat(drainAnswering())
                .containsExactly("T10 [20, 21, 22]", "T15 [4, 5, 6]", "T20 [13, 14, 15]", "T25 [23]");
    }

    @Test
    void byKeyTheNextBatchOfAKeysFirstIngestionIsPlacedExactlyAndLaterOnesARoundApartAtMost() {
        use(Fairness.KEY, 0);
        UUID a1 = ingest("a", Priority.LOW, 1, 2, 3, 4, 5, 6);
        UUID a2 = ingest("a", Priority.LOW, 7);
        UUID b = ingest("b", Priority.LOW, 10, 11, 12);
        UUID c = ingest("c", Priority.LOW, 20);

        // slots from now, 0 first: a1 0 and then a round of three keys; b 1; c 2; a2 behind a1's
        // two batches, a round each (an upper bound: it starts at 4, as c leaves the round)
        assertThat(place(a1)).isEqualTo(new QueueReads.FairPlace(0, 3));
        assertThat(place(b)).isEqualTo(new QueueReads.FairPlace(1, 3));
        assertThat(place(c)).isEqualTo(new QueueReads.FairPlace(2, 3));
        assertThat(place(a2)).isEqualTo(new QueueReads.FairPlace(6, 3));
        assertThat(drainAnswering())
                .containsExactly("T0 [1, 2, 3]", "T5 [10, 11, 12]", "T10 [20]", "T15 [4, 5, 6]", "T20 [7]");
    }

    QueueReads.FairPlace place(UUID ingestion) {
        return reads.fairPlace(reads.findIngestion(ingestion).orElseThrow(), fairness, clock.instant());
    }

    @Test
    void byKeyWorkStoredWhileKeysWereOffTakesItsTurnsAsOneMoreKey() {
        use(Fairness.KEY, 0);
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6); // no owner: stored while API keys were off
        ingest("a", Priority.LOW, 10, 11, 12, 13, 14, 15);

        // the key '' has had its row since the store was made (turn 0); a, new, joins ahead of it (-1)
        assertThat(drainAnswering())
                .containsExactly("T0 [10, 11, 12]", "T5 [1, 2, 3]", "T10 [13, 14, 15]", "T15 [4, 5, 6]");
    }

    // ---- with slot packing --------------------------------------------------------------------

    @Test
    void withSlotPackingAPackedBatchUsesUpItsIngestionsTurn() {
        use(Fairness.INGESTION, 3);
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6);
        ingest(Priority.LOW, 7, 8, 9, 10, 11, 12);
        ingest(Priority.LOW, 13, 14);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        List<ManualUpstream.Fetch> fetches = upstream.fetches();
        fetches.get(0).fail(); // id 1 comes back as a batch of one
        fetches.get(1).succeed();
        fetches.get(2).succeed();

        // [1] packs behind [13, 14] and so uses its ingestion's turn: [10, 11, 12] comes before [4, 5, 6]
        assertThat(drainAnswering())
                .containsExactly("T5 [7, 8, 9]", "T10 [13, 14] [1]", "T15 [10, 11, 12]", "T20 [4, 5, 6]");
    }

    @Test
    void withSlotPackingByKeyEachPackedBatchMovesItsKeyToTheBack() {
        use(Fairness.KEY, 3);
        ingest("a", Priority.LOW, 1);
        ingest("b", Priority.LOW, 2);
        ingest("a", Priority.LOW, 3);
        ingest("c", Priority.LOW, 4, 5, 6);

        // a, then b, fit; c's three do not, so the slot ends; a comes round again after c
        assertThat(drainAnswering()).containsExactly("T0 [1] [2]", "T5 [4, 5, 6]", "T10 [3]");
    }

    /** The README's example of the three orders (its scheduling section): A and C by alpha, B by beta. */
    List<String> readmeExample(Fairness mode, int packUpTo) {
        use(mode, packUpTo);
        ingest("alpha", Priority.LOW, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        ingest("beta", Priority.LOW, 10, 11, 12, 13);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        clock.set(at(3));
        ingest("alpha", Priority.LOW, 20);
        return drainAnswering();
    }

    @Test
    void theReadmesExampleFirstInFirstOut() {
        assertThat(readmeExample(Fairness.OFF, 0))
                .containsExactly("T5 [4, 5, 6]", "T10 [7, 8, 9]", "T15 [10, 11, 12]", "T20 [13]", "T25 [20]");
    }

    @Test
    void theReadmesExampleWithSlotPackingAlone() {
        assertThat(readmeExample(Fairness.OFF, 3))
                .containsExactly("T5 [4, 5, 6]", "T10 [7, 8, 9]", "T15 [10, 11, 12]", "T20 [13] [20]");
    }

    @Test
    void theReadmesExampleByIngestionServesTheNewcomerBeforeTheFirstIngestionsSecondBatch() {
        assertThat(readmeExample(Fairness.INGESTION, 0))
                .containsExactly("T5 [10, 11, 12]", "T10 [20]", "T15 [4, 5, 6]", "T20 [13]", "T25 [7, 8, 9]");
    }

    @Test
    void theReadmesExampleByKeyServesTheNewcomerLastAsItsKeysLatestRequest() {
        assertThat(readmeExample(Fairness.KEY, 0))
                .containsExactly("T5 [10, 11, 12]", "T10 [4, 5, 6]", "T15 [13]", "T20 [7, 8, 9]", "T25 [20]");
    }

    @Test
    void offIsFirstInFirstOutAsBefore() {
        use(Fairness.OFF, 0);
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6);
        ingest(Priority.LOW, 7, 8, 9);

        assertThat(drainAnswering()).containsExactly("T0 [1, 2, 3]", "T5 [4, 5, 6]", "T10 [7, 8, 9]");
    }
}
