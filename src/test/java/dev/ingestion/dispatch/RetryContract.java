package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.RecordState;
import dev.ingestion.store.BatchRow;
import dev.ingestion.store.StoredRecord;
import dev.ingestion.support.ManualUpstream;
import dev.ingestion.upstream.RetryPolicy;

/**
 * The failure policy on a fake clock, with a back-off of 10 s doubling, 3 attempts at most, and
 * no jitter (the jitter source answers 0), so that every retry's slot is exact.
 */
abstract class RetryContract extends DispatchFixture {

    static final Duration BACKOFF = Duration.ofSeconds(10);

    @BeforeEach
    void withRetries() {
        dispatcher = dispatcherWith(
                new RetryPolicy(BACKOFF, 3, () -> 0), clock, new RateLimit(INTERVAL), DispatchEvents.NONE);
    }

    /** Answers the fetches sent so far that have no answer yet: each id by {@code answer}. */
    void answer(java.util.function.BiConsumer<Integer, ManualUpstream.Fetch> answer) {
        upstream.fetches().stream().filter(f -> !f.result().isDone()).forEach(f -> answer.accept(f.id(), f));
    }

    @Test
    void onlyTheFailedIdsRetryAfterTheBackOffAndKeepTheirPlaceWhileOtherWorkTakesTheSlotsBetween() {
        UUID first = ingest(Priority.MEDIUM, 1, 2, 3);
        ingest(Priority.LOW, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        answer((id, fetch) -> {
            if (id == 2) {
                fetch.failTransiently(500, null);
            } else {
                fetch.succeed();
            }
        });

        List<String> starts = new java.util.ArrayList<>();
        for (int second = 5; second <= 20; second += 5) {
            starts.add(runOnceAt(second));
            upstream.completeAll();
        }

        assertThat(starts).containsExactly("T5 [4, 5, 6]", "T10 [2]", "T15 [7, 8, 9]", "T20 [10, 11, 12]");
        assertThat(reads.startedBatches(first)).singleElement().satisfies(row -> {
            assertThat(row.completed()).isTrue();
            assertThat(row.startedAt()).isEqualTo(at(0));
        });
    }

    @Test
    void aBatchWaitingForItsBackOffHoldsNoSlotAndNoLease() {
        UUID id = ingest(Priority.HIGH, 1, 2, 3);
        runOnceAt(0);
        answer((i, fetch) -> fetch.failTransiently(503, null));

        assertThat(dispatcher.inFlight()).isZero();
        assertThat(runOnceAt(5)).isEqualTo(new Claim.Idle().toString());
        assertThat(runOnceAt(9)).isEqualTo(new Claim.Idle().toString());
        assertThat(runOnceAt(10)).isEqualTo("T10 [1, 2, 3]");
        assertThat(reads.startedBatches(id).get(0).attempts()).isEqualTo(2);
    }

    @Test
    void theBackOffDoublesWithEachAttemptFromTheStartOfTheLastOne() {
        ingest(Priority.HIGH, 1);
        runOnceAt(0);
        upstream.fetches().get(0).failTransiently(500, null);
        assertThat(runOnceAt(9)).isEqualTo(new Claim.Idle().toString());
        assertThat(runOnceAt(10)).isEqualTo("T10 [1]");
        upstream.fetches().get(1).failTransiently(500, null);
        assertThat(runOnceAt(29)).isEqualTo(new Claim.Idle().toString());
        assertThat(runOnceAt(30)).isEqualTo("T30 [1]");
    }

    @Test
    void aRetryAfterLongerThanTheBackOffIsWaitedForAndAShorterOneIsNot() {
        ingest(Priority.HIGH, 1);
        ingest(Priority.HIGH, 2);
        runOnceAt(0);
        upstream.fetches().get(0).failTransiently(500, Duration.ofSeconds(25)); // not throttling: this id only
        runOnceAt(5);
        upstream.fetches().get(1).failTransiently(500, Duration.ofSeconds(3));

        assertThat(runOnceAt(15)).isEqualTo("T15 [2]"); // 5 s + a back-off of 10 s, not + 3 s
        upstream.completeAll();
        assertThat(runOnceAt(24)).isEqualTo(new Claim.Idle().toString());
        assertThat(runOnceAt(25)).isEqualTo("T25 [1]");
    }

    @Test
    void aThrottlingRetryAfterHoldsEverySlotNotJustTheRetry() {
        ingest(Priority.HIGH, 1);
        ingest(Priority.HIGH, 2);
        runOnceAt(0);
        upstream.fetches().get(0).failTransiently(429, Duration.ofSeconds(25));

        assertThat(runOnceAt(24)).isEqualTo(new Claim.NotBefore(at(25), at(24)).toString());
        assertThat(runOnceAt(25)).isEqualTo("T25 [1]");
    }

    @Test
    void anIdThatUsesUpItsAttemptsFailsForGoodAndItsBatchCompletes() {
        UUID id = ingest(Priority.HIGH, 7, 8);
        runOnceAt(0);
        answer((i, fetch) -> {
            if (i == 8) {
                fetch.failTransiently(500, null);
            } else {
                fetch.succeed();
            }
        });
        assertThat(runOnceAt(10)).isEqualTo("T10 [8]");
        upstream.fetches().get(2).failTransiently(502, null);
        assertThat(runOnceAt(30)).isEqualTo("T30 [8]");
        clock.set(at(31));
        upstream.fetches().get(3).failTransiently(504, null);

        BatchRow batch = reads.startedBatches(id).get(0);
        assertThat(batch.completed()).isTrue();
        assertThat(batch.completedAt()).isEqualTo(at(31));
        StoredRecord failed = reads.records(id, 0, 2).get(1);
        assertThat(failed.state()).isEqualTo(RecordState.FAILED);
        assertThat(failed.data())
                .isEqualTo(
                        "{\"kind\":\"http\",\"status\":504,\"message\":\"HTTP 504 from the upstream\",\"attempts\":3}");
        assertThat(reads.records(id, 0, 2).get(0).state()).isEqualTo(RecordState.FETCHED);
        assertThat(runOnceAt(40)).isEqualTo(new Claim.Idle().toString());
    }

    @Test
    void aFinalAnswerFailsTheIdAtOnceAndTheRestOfItsBatchGoesOn() {
        UUID id = ingest(Priority.HIGH, 1, 2, 3);
        runOnceAt(0);
        answer((i, fetch) -> {
            if (i == 1) {
                fetch.failForGood(404);
            } else if (i == 2) {
                fetch.failTransiently(500, null);
            } else {
                fetch.succeed();
            }
        });
        assertThat(reads.records(id, 0, 3).get(0).data())
                .isEqualTo(
                        "{\"kind\":\"http\",\"status\":404,\"message\":\"HTTP 404 from the upstream\",\"attempts\":1}");

        assertThat(runOnceAt(10)).isEqualTo("T10 [2]");
        upstream.completeAll();
        assertThat(reads.startedBatches(id).get(0).completed()).isTrue();
    }

    @Test
    void aRunAgainAfterACrashDuringTheWaitKeepsTheRetryTimeAndCostsNoAttempt() {
        UUID id = ingest(Priority.HIGH, 1);
        runOnceAt(0);
        upstream.fetches().get(0).failTransiently(500, null); // attempt 1 of 3; due at T10

        // a new process on the same store
        ManualUpstream afterRestart = new ManualUpstream();
        upstream = afterRestart;
        withRetries();
        store.releaseAllLeases();
        assertThat(runOnceAt(5)).isEqualTo(new Claim.Idle().toString());
        assertThat(runOnceAt(10)).isEqualTo("T10 [1]");
        afterRestart.fetches().get(0).failTransiently(500, null); // attempt 2
        // the process dies during attempt 3: not an attempt that counts
        assertThat(runOnceAt(30)).isEqualTo("T30 [1]");
        store.releaseAllLeases();
        assertThat(runOnceAt(35)).isEqualTo("T35 [1]");
        afterRestart.fetches().get(2).failTransiently(500, null); // attempt 3: the last

        assertThat(reads.records(id, 0, 1).get(0).data()).contains("\"attempts\":3");
    }

    @Test
    void aTenMinuteOutageFailsNoIdTheBreakerOpensAndProbesOneIdPerSlotUncountedUntilOneIsAnswered() {
        dispatcher = dispatcherWith(
                new RetryPolicy(BACKOFF, 5, () -> 0), clock, new RateLimit(INTERVAL), DispatchEvents.NONE);
        UUID id = ingest(Priority.HIGH, 1, 2, 3);
        int outage = 600; // ten minutes
        List<String> starts = new java.util.ArrayList<>();
        for (int second = 0; second <= outage + 10; second += 5) {
            String start = runOnceAt(second);
            if (start.startsWith("T")) {
                starts.add(start + (dispatcher.breakerOpen() ? " (breaker open)" : ""));
            }
            boolean down = second < outage;
            answer((i, fetch) -> {
                if (down) {
                    fetch.failTransiently(500, null);
                } else {
                    fetch.succeed();
                }
            });
        }

        assertThat(starts.subList(0, 4))
                .containsExactly(
                        "T0 [1, 2, 3]",
                        "T10 [1, 2, 3]",
                        "T30 [1, 2, 3]", // the third slot in a row without an answer: the breaker opens
                        "T70 [1] (breaker open)"); // the back-off after 3 attempts, then probes
        List<String> probes = new java.util.ArrayList<>();
        for (int second = 70; second <= outage; second += 5) {
            probes.add("T" + second + " [1] (breaker open)"); // one probe every slot, uncounted
        }
        assertThat(starts.subList(3, starts.size() - 1)).containsExactlyElementsOf(probes);
        assertThat(starts.get(starts.size() - 1)).isEqualTo("T" + (outage + 5) + " [2, 3]"); // closed again
        assertThat(reads.records(id, 0, 3).values())
                .allSatisfy(r -> assertThat(r.state()).isEqualTo(RecordState.FETCHED));
        assertThat(reads.startedBatches(id).get(0).completed()).isTrue();
        assertThat(dispatcher.breakerOpen()).isFalse();
    }
}
