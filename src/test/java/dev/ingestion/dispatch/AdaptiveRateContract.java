package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ingestion.queue.Claim;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.SlotOrder;
import dev.ingestion.support.ManualUpstream;
import dev.ingestion.upstream.RetryPolicy;

/**
 * The rate adapting to an upstream that throttles, on a fake clock: an interval of 5 s that may
 * stretch to 40 s, shared by two instances on one store.
 */
abstract class AdaptiveRateContract extends DispatchFixture {

    static final RateLimit RATE = new RateLimit(INTERVAL, Duration.ofSeconds(40));

    Dispatcher other;

    Dispatcher instance(String owner, ManualUpstream upstream) {
        return new Dispatcher(
                store,
                upstream,
                new RetryPolicy(Duration.ZERO, 100, () -> 0),
                clock,
                clock,
                RATE,
                LEASE,
                owner,
                Runnable::run,
                DispatchEvents.NONE,
                SlotOrder.FIRST_IN_FIRST_OUT);
    }

    @BeforeEach
    void twoInstances() {
        dispatcher = instance("instance-1", upstream);
        other = instance("instance-2", new ManualUpstream());
        int[] ids = new int[300];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i + 1;
        }
        ingest(Priority.LOW, ids);
    }

    /** Runs whichever instance is told at each slot, answering every fetch at once as given. */
    List<String> slots(int count, Dispatcher runner, java.util.function.Consumer<ManualUpstream.Fetch> answer) {
        List<String> starts = new ArrayList<>();
        while (starts.size() < count) {
            Claim claim = runner.runOnce();
            if (claim instanceof Claim.Started started) {
                starts.add(
                        "T" + Duration.between(T0, started.batch().startedAt()).toSeconds());
                upstream.fetches().stream().filter(f -> !f.result().isDone()).forEach(answer);
            } else if (claim instanceof Claim.NotBefore notBefore) {
                clock.set(notBefore.slot());
            } else {
                throw new AssertionError("nothing waits: " + claim);
            }
        }
        return starts;
    }

    @Test
    void aThrottledSlotDoublesTheIntervalAndTheRetryAfterHoldsTheNextSlotForEveryInstance() {
        assertThat(slots(1, dispatcher, fetch -> fetch.failTransiently(429, Duration.ofSeconds(12))))
                .containsExactly("T0");
        assertThat(dispatcher.effectiveInterval()).isEqualTo(Duration.ofSeconds(10));

        clock.set(at(11));
        assertThat(other.runOnce()).isEqualTo(new Claim.NotBefore(at(12), at(11)));
        assertThat(slots(3, dispatcher, ManualUpstream.Fetch::succeed)).containsExactly("T12", "T22", "T32");
    }

    @Test
    void throttlingAgainStretchesUpToTheMaximumAndNoFurther() {
        List<String> starts = slots(6, dispatcher, fetch -> fetch.failTransiently(429, null));

        assertThat(starts).containsExactly("T0", "T10", "T30", "T70", "T110", "T150");
        assertThat(dispatcher.effectiveInterval()).isEqualTo(Duration.ofSeconds(40));
    }

    @Test
    void afterTenCleanSlotsTheIntervalHalvesStepByStepBackToTheFloor() {
        slots(2, dispatcher, fetch -> fetch.failTransiently(429, null)); // T0, T10: now 20 s
        List<String> starts = slots(22, dispatcher, ManualUpstream.Fetch::succeed);

        // ten slots at 20 s (the first of them already due after T10), then ten at 10 s, then 5 s
        assertThat(starts.subList(0, 11))
                .containsExactly("T30", "T50", "T70", "T90", "T110", "T130", "T150", "T170", "T190", "T210", "T220");
        assertThat(starts.subList(19, 22)).containsExactly("T310", "T315", "T320");
        assertThat(dispatcher.effectiveInterval()).isEqualTo(INTERVAL);
    }

    @Test
    void aSlotWithFailuresThatAreNotThrottlingLeavesTheIntervalAlone() {
        List<String> starts = slots(3, dispatcher, fetch -> fetch.failTransiently(500, null));

        assertThat(starts).containsExactly("T0", "T5", "T10");
        assertThat(dispatcher.effectiveInterval()).isEqualTo(INTERVAL);
    }
}
