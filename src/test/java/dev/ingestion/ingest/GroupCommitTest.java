package dev.ingestion.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.ingestion.queue.Priority;
import dev.ingestion.store.Admission;
import dev.ingestion.store.NewIngestion;

class GroupCommitTest {

    static NewIngestion ingestion(int ids) {
        return new NewIngestion(
                UUID.randomUUID(),
                Priority.MEDIUM,
                3,
                IntStream.rangeClosed(1, ids).toArray(),
                Instant.EPOCH);
    }

    private static List<Admission> stored(List<NewIngestion> group) {
        return group.stream().map(each -> Admission.STORED).toList();
    }

    @Test
    void ingestionsArrivingDuringACommitShareTheNextOneInArrivalOrder() throws Exception {
        CountDownLatch firstCommitStarted = new CountDownLatch(1);
        CountDownLatch releaseFirstCommit = new CountDownLatch(1);
        List<List<NewIngestion>> commits = Collections.synchronizedList(new ArrayList<>());
        try (GroupCommit groupCommit = new GroupCommit(group -> {
            commits.add(group);
            if (commits.size() == 1) {
                firstCommitStarted.countDown();
                await(releaseFirstCommit);
            }
            return stored(group);
        })) {
            CompletableFuture<Void> first = CompletableFuture.runAsync(() -> groupCommit.write(ingestion(1)));
            await(firstCommitStarted);
            List<NewIngestion> waiting =
                    IntStream.range(0, 5).mapToObj(i -> ingestion(1)).toList();
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (NewIngestion each : waiting) {
                writes.add(CompletableFuture.runAsync(() -> groupCommit.write(each)));
                awaitQueued(groupCommit, writes.size()); // one after another, so their order is known
            }
            assertThat(writes).noneMatch(CompletableFuture::isDone);
            releaseFirstCommit.countDown();
            first.get(5, TimeUnit.SECONDS);
            for (CompletableFuture<Void> write : writes) {
                write.get(5, TimeUnit.SECONDS);
            }
            assertThat(commits).hasSize(2);
            assertThat(commits.get(1)).containsExactlyElementsOf(waiting);
        }
    }

    @Test
    void aLoneWriteCommitsOnItsOwnThreadWithoutAHandOffToTheWriter() {
        List<Thread> committers = Collections.synchronizedList(new ArrayList<>());
        try (GroupCommit groupCommit = new GroupCommit(group -> {
            committers.add(Thread.currentThread());
            return stored(group);
        })) {
            groupCommit.write(ingestion(1));
            groupCommit.write(ingestion(2));
        }
        assertThat(committers).containsExactly(Thread.currentThread(), Thread.currentThread());
    }

    @Test
    void aFailedCommitFailsEveryWriteInItAndTheNextCommitWorks() {
        List<Integer> attempts = new ArrayList<>();
        try (GroupCommit groupCommit = new GroupCommit(group -> {
            attempts.add(group.size());
            if (attempts.size() == 1) {
                throw new IllegalStateException("store unreachable");
            }
            return stored(group);
        })) {
            assertThatThrownBy(() -> groupCommit.write(ingestion(2))).hasMessage("store unreachable");
            groupCommit.write(ingestion(2));
            assertThat(attempts).containsExactly(1, 1);
        }
    }

    @Test
    void largeIngestionsAreCommittedApartFromSmallOnes() throws Exception {
        CountDownLatch firstCommitStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<List<Integer>> commits = Collections.synchronizedList(new ArrayList<>());
        try (GroupCommit groupCommit = new GroupCommit(group -> {
            commits.add(group.stream().map(n -> n.ids().length).toList());
            if (commits.size() == 1) {
                firstCommitStarted.countDown();
                await(release);
            }
            return stored(group);
        })) {
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            writes.add(CompletableFuture.runAsync(() -> groupCommit.write(ingestion(1))));
            await(firstCommitStarted);
            for (int size : new int[] {80_000, 80_000, 5}) {
                writes.add(CompletableFuture.runAsync(() -> groupCommit.write(ingestion(size))));
                awaitQueued(groupCommit, writes.size() - 1);
            }
            release.countDown();
            for (CompletableFuture<Void> write : writes) {
                write.get(5, TimeUnit.SECONDS);
            }
        }
        assertThat(commits).containsExactly(List.of(1), List.of(80_000), List.of(80_000, 5));
    }

    private static void awaitQueued(GroupCommit groupCommit, int count) {
        org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(5))
                .pollInterval(java.time.Duration.ofMillis(1))
                .until(() -> groupCommit.queued() == count);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(5, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
