package dev.ingestion.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class RateLimitTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final RateLimit RATE = new RateLimit(Duration.ofSeconds(5), Duration.ofSeconds(40));

    @Test
    void aSlotOpensAnIntervalAfterTheLastStartOrAtOnceAfterAnIdleSpell() {
        RateLimit.State state = RATE.at(T0);

        assertThat(RATE.slotAfter(state)).isEqualTo(T0.plusSeconds(5));
        assertThat(RATE.isOpen(state, T0.plusMillis(4_999))).isFalse();
        assertThat(RATE.nextSlot(state, T0.plusSeconds(7))).isEqualTo(T0.plusSeconds(7));
    }

    @Test
    void throttlingDoublesTheIntervalUpToTheMaximumAndHoldsTheSlotUntilRetryAfter() {
        RateLimit.State state = RATE.throttled(RATE.at(T0), T0.plusSeconds(1), Duration.ofSeconds(30));

        assertThat(state.interval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(RATE.slotAfter(state)).isEqualTo(T0.plusSeconds(31));
        for (int i = 0; i < 5; i++) {
            state = RATE.throttled(state, T0, null);
        }
        assertThat(state.interval()).isEqualTo(Duration.ofSeconds(40));
        assertThat(RATE.slotAfter(state)).as("a Retry-After never shortens").isEqualTo(T0.plusSeconds(40));
    }

    @Test
    void aStretchedIntervalHalvesAfterTenCleanSlotsInARowDownToTheFloorAndNoFurther() {
        RateLimit.State state = RATE.throttled(RATE.throttled(RATE.at(T0), T0, null), T0, null); // 20 s
        List<Long> intervals = new ArrayList<>();
        for (int slot = 1; slot <= 35; slot++) {
            state = RATE.clean(state);
            intervals.add(state.interval().toSeconds());
        }

        assertThat(intervals.subList(0, 9)).containsOnly(20L);
        assertThat(intervals.subList(9, 19)).containsOnly(10L);
        assertThat(intervals.subList(19, 35)).containsOnly(5L);
    }

    @Test
    void aThrottleAmongCleanSlotsStartsTheHoldAgain() {
        RateLimit.State state = RATE.throttled(RATE.at(T0), T0, null); // 10 s
        for (int slot = 1; slot <= 9; slot++) {
            state = RATE.clean(state);
        }
        state = RATE.throttled(state, T0, null); // 20 s, and the count starts again
        for (int slot = 1; slot <= 9; slot++) {
            state = RATE.clean(state);
        }

        assertThat(state.interval()).isEqualTo(Duration.ofSeconds(20));
        assertThat(RATE.clean(state).interval()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void estimatesStepByTheIntervalInForce() {
        RateLimit.State state = RATE.throttled(RATE.at(T0), T0, null);

        assertThat(RATE.start(state, T0.plusSeconds(10), 3)).isEqualTo(T0.plusSeconds(40));
    }
}
