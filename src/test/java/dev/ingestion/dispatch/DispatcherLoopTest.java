package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.zaxxer.hikari.HikariDataSource;

import dev.ingestion.ingest.Acceptance;
import dev.ingestion.ingest.GroupCommit;
import dev.ingestion.ingest.Ingestions;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.QueueReads;
import dev.ingestion.store.QueueStore;
import dev.ingestion.support.ManualUpstream;
import dev.ingestion.support.TestStores;

/** The loop's thread in real time: when it sleeps, and what wakes it. */
class DispatcherLoopTest {

    private static final Duration INTERVAL = Duration.ofSeconds(3);

    @TempDir
    Path folder;

    private HikariDataSource dataSource;
    private ManualUpstream upstream;
    private DispatcherLoop loop;
    private GroupCommit commits;
    private Ingestions ingestions;

    @BeforeEach
    void setUp() {
        dataSource = TestStores.h2(folder);
        QueueStore store = new QueueStore(dataSource);
        upstream = ManualUpstream.answeringAtOnce();
        Clock clock = Clock.systemUTC();
        loop = new DispatcherLoop(
                new Dispatcher(
                        store,
                        upstream,
                        clock,
                        new RateLimit(INTERVAL),
                        Duration.ofSeconds(30),
                        "loop-test",
                        Runnable::run),
                clock);
        commits = new GroupCommit(store, 0);
        ingestions = new Ingestions(commits, new QueueReads(dataSource), clock, 3, loop, new Acceptance(200));
        loop.start();
    }

    @AfterEach
    void tearDown() {
        loop.stop();
        commits.close();
        dataSource.close();
    }

    @Test
    void anIdleLoopStartsWorkAsSoonAsItArrivesNotAtItsNextPoll() throws Exception {
        Thread.sleep(100); // into the idle sleep of about a second
        long before = System.nanoTime();
        ingestions.submit(new int[] {1, 2, 3}, Priority.HIGH);

        awaitFetches(3, Duration.ofMillis(700)); // the idle poll comes after 800 ms at the earliest
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before)).isLessThan(700);
    }

    @Test
    void arrivalsWhileTheSlotIsClosedDoNotStartAnythingBeforeIt() {
        long beforeFirst = System.nanoTime(); // the first start comes after this, the second INTERVAL after that
        ingestions.submit(new int[] {1, 2, 3}, Priority.HIGH);
        awaitFetches(3, Duration.ofSeconds(2));

        for (int i = 0; i < 50; i++) {
            ingestions.submit(new int[] {10 + i}, Priority.HIGH);
        }
        awaitFetches(4, INTERVAL.plusSeconds(2));

        assertThat(Duration.ofNanos(System.nanoTime() - beforeFirst)).isGreaterThanOrEqualTo(INTERVAL);
        assertThat(upstream.fetchedIds()).containsExactly(1, 2, 3, 10);
    }

    private void awaitFetches(int count, Duration deadline) {
        await().atMost(deadline)
                .pollInterval(Duration.ofMillis(5))
                .untilAsserted(() -> assertThat(upstream.fetchedIds()).hasSizeGreaterThanOrEqualTo(count));
    }
}
