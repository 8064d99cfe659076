package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.BatchRow;
import dev.ingestion.store.BatchStart;
import dev.ingestion.support.FakeClock;
import dev.ingestion.support.ManualUpstream;

/**
 * The scheduling rules of the spec, on a fake clock: every test drives {@link Dispatcher#runOnce()}
 * itself and moves time by hand, so each start time is asserted exactly.
 */
abstract class DispatcherContract extends DispatchFixture {

    @Test
    void theWorkedExampleOfTheSpecStartsAtT0T5T10AndT15() {
        ingest(Priority.MEDIUM, 1, 2, 3, 4, 5);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        clock.set(at(4));
        ingest(Priority.HIGH, 6, 7, 8, 9);
        assertThat(dispatcher.runOnce()).isEqualTo(new Claim.NotBefore(at(5), at(4)));
        assertThat(drain()).containsExactly("T5 [6, 7, 8]", "T10 [9]", "T15 [4, 5]");
    }

    @Test
    void higherPrioritiesGoFirstAndEqualPrioritiesGoInArrivalOrder() {
        ingest(Priority.LOW, 1, 1, 1);
        ingest(Priority.MEDIUM, 2, 2, 2);
        ingest(Priority.HIGH, 3, 3, 3);
        ingest(Priority.LOW, 4, 4, 4);
        ingest(Priority.MEDIUM, 5, 5, 5);
        ingest(Priority.HIGH, 6, 6, 6);
        assertThat(drain())
                .containsExactly(
                        "T0 [3, 3, 3]",
                        "T5 [6, 6, 6]",
                        "T10 [2, 2, 2]",
                        "T15 [5, 5, 5]",
                        "T20 [1, 1, 1]",
                        "T25 [4, 4, 4]");
    }

    @Test
    void aHighIngestionArrivingWhileALowOneIsHalfDoneGoesNext() {
        ingest(Priority.LOW, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        assertThat(runOnceAt(5)).isEqualTo("T5 [4, 5, 6]");
        clock.set(at(7));
        ingest(Priority.HIGH, 100, 101);
        assertThat(drain()).containsExactly("T10 [100, 101]", "T15 [7, 8, 9]", "T20 [10, 11, 12]");
    }

    @Test
    void workArrivingAfterAnIdleSpellStartsAtOnceWithNoFixedGrid() {
        ingest(Priority.MEDIUM, 1);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1]");
        assertThat(runOnceAt(6)).isEqualTo(new Claim.Idle().toString());
        clock.set(at(7));
        ingest(Priority.MEDIUM, 2, 3, 4, 5);
        assertThat(drain()).containsExactly("T7 [2, 3, 4]", "T12 [5]");
    }

    @Test
    void noStartComesBeforePreviousStartPlusInterval() {
        ingest(Priority.HIGH, 1, 2, 3, 4);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        clock.set(at(5).minusMillis(1));
        assertThat(dispatcher.runOnce()).isEqualTo(new Claim.NotBefore(at(5), at(5).minusMillis(1)));
        assertThat(runOnceAt(5)).isEqualTo("T5 [4]");
    }

    @Test
    void aShortLastBatchTakesAWholeSlotAndIngestionsNeverShareABatch() {
        ingest(Priority.MEDIUM, 1, 2);
        ingest(Priority.MEDIUM, 3, 4);
        assertThat(drain()).containsExactly("T0 [1, 2]", "T5 [3, 4]");
    }

    @Test
    void aBatchCompletesWhenEveryIdHasItsRecord() {
        UUID id = ingest(Priority.MEDIUM, 7, 8, 9);
        runOnceAt(0);
        List<ManualUpstream.Fetch> fetches = upstream.fetches();
        assertThat(fetches).extracting(ManualUpstream.Fetch::id).containsExactly(7, 8, 9);
        clock.set(at(1));
        fetches.get(0).succeed();
        fetches.get(2).succeed();
        assertThat(reads.startedBatches(id))
                .singleElement()
                .satisfies(row -> assertThat(row.completed()).isFalse());
        fetches.get(1).succeed();
        assertThat(reads.startedBatches(id)).singleElement().satisfies(row -> {
            assertThat(row.completed()).isTrue();
            assertThat(row.startedAt()).isEqualTo(at(0));
            assertThat(row.completedAt()).isEqualTo(at(1));
        });
        assertThat(dispatcher.inFlight()).isZero();
    }

    @Test
    void afterACrashATriggeredBatchRunsAgainFirstFetchingOnlyWhatIsMissing() {
        UUID first = ingest(Priority.MEDIUM, 1, 2, 3, 4);
        UUID later = ingest(Priority.MEDIUM, 5);
        runOnceAt(0);
        upstream.fetches().get(1).succeed(); // id 2 is stored; 1 and 3 are lost with the process

        // a new process on the same store: nothing runs the old batch any more
        ManualUpstream afterRestart = new ManualUpstream();
        dispatcher = dispatcher("instance-2", afterRestart);
        clock.set(at(2));
        assertThat(store.releaseAllLeases()).isEqualTo(1);
        assertThat(dispatcher.runOnce())
                .as("the rate limit holds across restarts")
                .isEqualTo(new Claim.NotBefore(at(5), at(2)));
        assertThat(drain()).containsExactly("T5 [1, 3]", "T10 [4]", "T15 [5]");
        afterRestart.completeAll();

        List<BatchRow> batches = reads.startedBatches(first);
        assertThat(batches.get(0).completed()).isTrue();
        assertThat(batches.get(0).attempts()).isEqualTo(2);
        assertThat(batches.get(0).startedAt()).as("first start kept").isEqualTo(at(0));
        assertThat(batches.get(0).lastStartedAt()).isEqualTo(at(5));
        assertThat(reads.records(first, 0, 4)).hasSize(4);
        assertThat(reads.starts())
                .extracting(BatchStart::ingestionId, BatchStart::index, BatchStart::attempt)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(first, 0, 1),
                        org.assertj.core.groups.Tuple.tuple(first, 0, 2),
                        org.assertj.core.groups.Tuple.tuple(first, 1, 1),
                        org.assertj.core.groups.Tuple.tuple(later, 0, 1));
    }

    @Test
    void aRerunKeepsItsPlaceSoHigherPriorityWorkStillGoesFirst() {
        ingest(Priority.LOW, 1, 2, 3);
        runOnceAt(0);
        store.releaseAllLeases();
        clock.set(at(1));
        ingest(Priority.HIGH, 9);
        dispatcher = dispatcher("instance-2", new ManualUpstream());
        assertThat(drain()).containsExactly("T5 [9]", "T10 [1, 2, 3]");
    }

    @Test
    void aLiveInstanceRenewingItsLeaseKeepsItsBatchAndADeadOnesBatchIsTakenOver() {
        UUID id = ingest(Priority.MEDIUM, 1, 2, 3);
        runOnceAt(0);
        ManualUpstream otherUpstream = new ManualUpstream();
        Dispatcher other = dispatcher("instance-2", otherUpstream);

        clock.set(at(20));
        dispatcher.renewLeases(); // lease now runs to T50
        clock.set(at(45));
        assertThat(other.runOnce()).isEqualTo(new Claim.Idle());

        clock.set(at(51)); // instance-1 stopped renewing: its lease ran out at T50
        assertThat(other.runOnce()).isInstanceOf(Claim.Started.class);
        assertThat(otherUpstream.fetchedIds()).containsExactly(1, 2, 3);
        otherUpstream.completeAll();
        upstream.completeAll(); // the slow first run finishing late stores nothing twice
        assertThat(reads.startedBatches(id))
                .singleElement()
                .satisfies(row -> assertThat(row.completed()).isTrue());
        assertThat(reads.records(id, 0, 3)).hasSize(3);
    }

    @Test
    void onShutdownABatchStillRunningAfterTheDrainTimeoutGivesItsLeaseBackAndRunsItsMissingIdsAtTheNextSlot()
            throws Exception {
        UUID id = ingest(Priority.MEDIUM, 1, 2, 3);
        runOnceAt(0); // leased to instance-1 until T30
        upstream.fetches().get(1).succeed(); // id 2 is stored; 1 and 3 are still on their way
        CountDownLatch stopped = new CountDownLatch(1);

        lifecycle(Duration.ofMillis(100)).stop(stopped::countDown);

        assertThat(stopped.await(10, TimeUnit.SECONDS))
                .as("the stop reported done")
                .isTrue();
        ManualUpstream elsewhere = new ManualUpstream();
        dispatcher = dispatcher("instance-2", elsewhere);
        assertThat(runOnceAt(5))
                .as("the next slot, 25 s before the lease would have run out")
                .isEqualTo("T5 [1, 3]");
        elsewhere.completeAll();
        upstream.completeAll(); // the stopped instance's late answers store nothing twice
        assertThat(reads.startedBatches(id)).singleElement().satisfies(row -> {
            assertThat(row.completed()).isTrue();
            assertThat(row.attempts()).isEqualTo(2);
            assertThat(row.startedAt()).as("first start kept").isEqualTo(at(0));
        });
        assertThat(reads.records(id, 0, 3)).hasSize(3);
        assertThat(reads.starts()).extracting(BatchStart::owner).containsExactly("instance-1", "instance-2");
    }

    @Test
    void onShutdownABatchThatFinishesWithinTheDrainTimeoutCompletesAndLeavesNothingToRunAgain() throws Exception {
        UUID id = ingest(Priority.MEDIUM, 1, 2, 3);
        runOnceAt(0);
        CountDownLatch stopped = new CountDownLatch(1);

        lifecycle(Duration.ofSeconds(30)).stop(stopped::countDown);

        assertThat(stopped.await(300, TimeUnit.MILLISECONDS))
                .as("the stop reported done while the batch was running")
                .isFalse();
        clock.set(at(1));
        upstream.completeAll();
        assertThat(stopped.await(10, TimeUnit.SECONDS))
                .as("the stop reported done")
                .isTrue();
        assertThat(reads.startedBatches(id)).singleElement().satisfies(row -> {
            assertThat(row.completed()).isTrue();
            assertThat(row.completedAt()).isEqualTo(at(1));
        });
        dispatcher = dispatcher("instance-2", new ManualUpstream());
        assertThat(runOnceAt(5)).isEqualTo(new Claim.Idle().toString());
    }

    @Test
    void aFailedFetchGivesTheBatchBackToRunAgainAtALaterSlot() {
        UUID id = ingest(Priority.MEDIUM, 1, 2, 3);
        runOnceAt(0);
        clock.set(at(1));
        upstream.fetches().get(0).succeed();
        upstream.fetches().get(1).fail();
        upstream.fetches().get(2).succeed();
        assertThat(dispatcher.inFlight()).isZero();
        assertThat(drain()).containsExactly("T5 [2]");
        upstream.completeAll();
        assertThat(reads.startedBatches(id))
                .singleElement()
                .satisfies(row -> assertThat(row.completed()).isTrue());
    }

    @Test
    void timesFromThisInstancesClockNeverComeBeforeTheStartTheDecidingClockWrote() {
        FakeClock database = new FakeClock(at(10)); // this instance's clock is 10 s behind the database's
        dispatcher = dispatcherWith(RETRY_AT_THE_NEXT_SLOT, database, new RateLimit(INTERVAL), DispatchEvents.NONE);
        UUID id = ingest(Priority.MEDIUM, 1, 2, 3);

        assertThat(dispatcher.runOnce()).isInstanceOf(Claim.Started.class);
        clock.set(at(1));
        upstream.fetches().forEach(ManualUpstream.Fetch::succeed);

        BatchRow batch = reads.startedBatches(id).get(0);
        assertThat(batch.startedAt()).isEqualTo(at(10));
        assertThat(batch.completedAt()).isEqualTo(at(10));
        assertThat(reads.records(id, 0, 3).values())
                .allSatisfy(r -> assertThat(r.fetchedAt()).isEqualTo(at(10)));
        assertThat(reads.starts())
                .singleElement()
                .satisfies(s -> assertThat(s.startedAt()).isEqualTo(at(10)));
    }

    @Test
    void theDecidingClockAloneTimesSlots() {
        FakeClock database = new FakeClock(at(10));
        dispatcher = dispatcherWith(RETRY_AT_THE_NEXT_SLOT, database, new RateLimit(INTERVAL), DispatchEvents.NONE);
        ingest(Priority.MEDIUM, 1, 2, 3, 4);
        dispatcher.runOnce();

        clock.set(at(100)); // however far this instance's clock runs ahead
        database.set(at(12));
        assertThat(dispatcher.runOnce()).isEqualTo(new Claim.NotBefore(at(15), at(12)));
        database.set(at(15));
        assertThat(dispatcher.runOnce()).isInstanceOf(Claim.Started.class);
    }

    @Test
    void reportsEachClaimAndHowLateAStartCameAfterTheSlotItWaitedFor() {
        List<String> reported = new ArrayList<>();
        dispatcher = dispatcherWith(RETRY_AT_THE_NEXT_SLOT, clock, new RateLimit(INTERVAL), new DispatchEvents() {
            @Override
            public void claimed(Claim claim, Duration took, Duration lateness) {
                reported.add(claim.getClass().getSimpleName() + " " + lateness);
            }
        });
        ingest(Priority.MEDIUM, 1, 2, 3, 4);
        runOnceAt(0);
        runOnceAt(3);
        clock.set(at(5).plusMillis(7));
        dispatcher.runOnce();
        assertThat(reported).containsExactly("Started null", "NotBefore null", "Started PT0.007S");
    }

    @Test
    void aLargeIngestionIsCutIntoBatchesOfThreeInRequestOrder() {
        dispatcher = dispatcher("instance-1", ManualUpstream.answeringAtOnce());
        int[] ids = IntStream.rangeClosed(1, 3100).toArray(); // spans several id chunks
        UUID id = ingest(Priority.MEDIUM, ids);
        List<String> starts = drain();
        assertThat(starts).hasSize(1034);
        assertThat(starts.get(0)).isEqualTo("T0 [1, 2, 3]");
        assertThat(starts.get(341)).isEqualTo("T1705 [1024, 1025, 1026]");
        assertThat(starts.get(342)).isEqualTo("T1710 [1027, 1028, 1029]");
        assertThat(starts.get(1033)).isEqualTo("T5165 [3100]");
        assertThat(reads.findIngestion(id).orElseThrow().completedBatches()).isEqualTo(1034);
    }
}
