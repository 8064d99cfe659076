package dev.ingestion.dispatch;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.context.SmartLifecycle;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.ingest.Acceptance;
import dev.ingestion.ingest.GroupCommit;
import dev.ingestion.ingest.Ingestions;
import dev.ingestion.queue.Arrivals;
import dev.ingestion.queue.Claim;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.queue.SlotOrder;
import dev.ingestion.store.Dialect;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.QueueStore;
import dev.ingestion.support.FakeClock;
import dev.ingestion.support.ManualUpstream;
import dev.ingestion.upstream.RetryPolicy;

/**
 * A store, a fake clock, a manual upstream and a dispatcher, fresh for each test: tests drive
 * {@link Dispatcher#runOnce()} themselves and move time by hand, so each start time is exact.
 */
abstract class DispatchFixture {

    static final Duration INTERVAL = Duration.ofSeconds(5);
    static final Duration LEASE = Duration.ofSeconds(30);
    static final RetryPolicy RETRY_AT_THE_NEXT_SLOT = new RetryPolicy(Duration.ZERO, Integer.MAX_VALUE, () -> 0);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    HikariDataSource dataSource;
    QueueStore store;
    QueueReads reads;
    FakeClock clock;
    ManualUpstream upstream;
    Dispatcher dispatcher;
    GroupCommit commits;
    Ingestions ingestions;

    abstract HikariDataSource newDataSource();

    @BeforeEach
    void setUp() {
        dataSource = newDataSource();
        store = new QueueStore(dataSource);
        reads = new QueueReads(dataSource);
        clock = new FakeClock(T0);
        upstream = new ManualUpstream();
        dispatcher = dispatcher("instance-1", upstream);
        commits = new GroupCommit(store, 0);
        ingestions =
                new Ingestions(commits, new QueueReads(dataSource), clock, 3, Arrivals.IGNORED, new Acceptance(200));
    }

    @AfterEach
    void tearDown() {
        commits.close();
        dataSource.close();
    }

    Dispatcher dispatcher(String owner, ManualUpstream upstream) {
        return new Dispatcher(store, upstream, clock, new RateLimit(INTERVAL), LEASE, owner, Runnable::run);
    }

    /** Instance 1 with its own retry policy, deciding clock and events; this test's store, upstream and clock. */
    Dispatcher dispatcherWith(RetryPolicy retries, Clock decisions, RateLimit rate, DispatchEvents events) {
        return new Dispatcher(
                store,
                upstream,
                retries,
                clock,
                decisions,
                rate,
                LEASE,
                "instance-1",
                Runnable::run,
                events,
                SlotOrder.FIRST_IN_FIRST_OUT);
    }

    /** Instance 1's lifecycle, its loop never started: tests call the runs themselves. */
    DispatcherLifecycle lifecycle(Duration drainTimeout) {
        return new DispatcherLifecycle(
                new DispatcherLoop(dispatcher, clock),
                dispatcher,
                store,
                Dialect.of(dataSource.getJdbcUrl()),
                drainTimeout,
                SmartLifecycle.DEFAULT_PHASE);
    }

    UUID ingest(Priority priority, int... ids) {
        return ingestions.submit(ids, priority);
    }

    Instant at(int seconds) {
        return T0.plusSeconds(seconds);
    }

    /** Runs the dispatcher at every slot until nothing waits; returns (start time, ids) of each start. */
    List<String> drain() {
        List<String> starts = new ArrayList<>();
        while (true) {
            Claim claim = dispatcher.runOnce();
            if (claim instanceof Claim.Started started) {
                starts.add(describe(started));
            } else if (claim instanceof Claim.NotBefore notBefore) {
                clock.set(notBefore.slot());
            } else {
                return starts;
            }
        }
    }

    String describe(Claim.Started started) {
        long second = Duration.between(T0, started.batch().startedAt()).toMillis();
        List<Integer> ids =
                started.batch().toFetch().stream().map(item -> item.id()).toList();
        return "T" + (second % 1000 == 0 ? Long.toString(second / 1000) : second + "ms") + " " + ids;
    }

    String runOnceAt(int second) {
        clock.set(at(second));
        Claim claim = dispatcher.runOnce();
        return claim instanceof Claim.Started started ? describe(started) : claim.toString();
    }
}
