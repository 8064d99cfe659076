package dev.ingestion.upstream;

import static dev.ingestion.upstream.HttpUpstreamTest.outcomes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.ingestion.upstream.Outcome.Failure;

class SimulatedUpstreamTest {

    static final Outcome SERVER_ERROR =
            new Outcome.Transient(new Failure("http", 500, "HTTP 500 from the upstream (simulated)"), null, false);
    static final Outcome THROTTLED =
            new Outcome.Transient(new Failure("http", 429, "HTTP 429 from the upstream (simulated)"), null, true);

    final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    /** 2,000 calls of one id each, made three at a time as slots make them. */
    List<Outcome> run(SimulatedUpstream upstream) {
        List<Outcome> outcomes = new ArrayList<>();
        for (int first = 1; first <= 2000; first += 3) {
            List<Integer> ids =
                    IntStream.range(first, Math.min(first + 3, 2001)).boxed().toList();
            outcomes.addAll(outcomes(upstream.fetch(ids)));
        }
        return outcomes;
    }

    SimulatedUpstream failing(long seed) {
        return new SimulatedUpstream(Duration.ZERO, timer, 0.1, 0.05, new Random(seed));
    }

    @Test
    void withNoFailuresEveryIdIsFetchedAfterTheDelayAndNotBefore() {
        SimulatedUpstream upstream = new SimulatedUpstream(Duration.ofMillis(150), timer);

        long started = System.nanoTime();
        List<Outcome> outcomes = outcomes(upstream.fetch(List.of(4, 5, 4)));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(outcomes)
                .containsExactly(
                        new Outcome.Fetched("{\"id\":4,\"data\":\"processed\"}"),
                        new Outcome.Fetched("{\"id\":5,\"data\":\"processed\"}"),
                        new Outcome.Fetched("{\"id\":4,\"data\":\"processed\"}"));
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(150)).isLessThan(Duration.ofSeconds(2));
        assertThat(upstream.expectedLatency()).isEqualTo(Duration.ofMillis(150));
    }

    @Test
    void failuresAndThrottlesComeAtTheConfiguredFractions() {
        List<Outcome> outcomes = run(failing(42));

        long failures = outcomes.stream().filter(SERVER_ERROR::equals).count();
        long throttles = outcomes.stream().filter(THROTTLED::equals).count();
        long fetched =
                outcomes.stream().filter(Outcome.Fetched.class::isInstance).count();
        assertThat(outcomes).hasSize(2000);
        assertThat(failures).isBetween(150L, 250L);
        assertThat(throttles).isBetween(65L, 135L);
        assertThat(failures + throttles + fetched).isEqualTo(2000);
    }

    @Test
    void theSameSeedReplaysTheSameSequenceAndAnotherSeedDoesNot() {
        List<Outcome> first = run(failing(7));

        assertThat(run(failing(7))).isEqualTo(first);
        assertThat(run(failing(8))).isNotEqualTo(first);
    }

    @Test
    void everyCallFailsAtARateOfOne() {
        SimulatedUpstream upstream = new SimulatedUpstream(Duration.ZERO, timer, 0, 1, new Random(1));

        assertThat(outcomes(upstream.fetch(List.of(1, 2, 3)))).containsOnly(THROTTLED);
    }

    @Test
    void ratesThatAreNotFractionsAddingUpToOneAtMostAreRefused() {
        assertThatThrownBy(() -> new SimulatedUpstream(Duration.ZERO, timer, 0.7, 0.4, new Random(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SimulatedUpstream(Duration.ZERO, timer, -0.1, 0, new Random(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
