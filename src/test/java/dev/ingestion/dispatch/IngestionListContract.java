package dev.ingestion.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.ingestion.queue.BatchState;
import dev.ingestion.queue.Priority;
import dev.ingestion.store.IngestionList;
import dev.ingestion.store.NewIngestion;

/** Pages of ingestions, newest first, with each filter, on a fake clock. */
abstract class IngestionListContract extends DispatchFixture {

    IngestionList list() {
        return new IngestionList(dataSource);
    }

    List<UUID> ids(List<IngestionList.Entry> page) {
        return page.stream().map(IngestionList.Entry::id).toList();
    }

    List<IngestionList.Entry> page(BatchState state, Priority priority, String owner) {
        return list().page(new IngestionList.Filter(state, priority, owner, null, 100));
    }

    @Test
    void entriesComeNewestFirstWithTheStateOfTheirBatchesAndEachFilterKeepsItsOwn() {
        UUID done = ingest(Priority.HIGH, 1, 2, 3);
        UUID running = ingest(Priority.MEDIUM, 4, 5, 6, 7);
        UUID waiting = ingest(Priority.LOW, 8);
        assertThat(runOnceAt(0)).isEqualTo("T0 [1, 2, 3]");
        upstream.fetches().get(0).succeed();
        upstream.fetches().get(1).failForGood(404);
        upstream.fetches().get(2).succeed();
        assertThat(runOnceAt(5)).isEqualTo("T5 [4, 5, 6]");

        List<IngestionList.Entry> all = page(null, null, null);

        assertThat(ids(all)).containsExactly(waiting, running, done);
        IngestionList.Entry first = all.get(2);
        assertThat(first.state()).isEqualTo(BatchState.COMPLETED);
        assertThat(first.failedIds()).isEqualTo(1);
        assertThat(first.lastRunningStart()).isNull();
        IngestionList.Entry second = all.get(1);
        assertThat(second.state()).isEqualTo(BatchState.TRIGGERED);
        assertThat(second.nextBatch()).isEqualTo(1);
        assertThat(second.batchCount()).isEqualTo(2);
        assertThat(second.lastRunningStart()).isEqualTo(at(5));
        assertThat(all.get(0).state()).isEqualTo(BatchState.YET_TO_START);

        assertThat(ids(page(BatchState.COMPLETED, null, null))).containsExactly(done);
        assertThat(ids(page(BatchState.TRIGGERED, null, null))).containsExactly(running);
        assertThat(ids(page(BatchState.YET_TO_START, null, null))).containsExactly(waiting);
        assertThat(ids(page(null, Priority.MEDIUM, null))).containsExactly(running);
        assertThat(ids(page(BatchState.COMPLETED, Priority.LOW, null))).isEmpty();
    }

    @Test
    void anOwnerSeesOnlyItsOwn() {
        NewIngestion alphas = new NewIngestion(UUID.randomUUID(), Priority.LOW, 3, new int[] {1}, T0, "alpha", null);
        NewIngestion betas = new NewIngestion(UUID.randomUUID(), Priority.LOW, 3, new int[] {1}, T0, "beta", null);
        store.insertIngestions(List.of(alphas, betas));

        assertThat(ids(page(null, null, "alpha"))).containsExactly(alphas.id());
        assertThat(ids(page(null, null, null))).containsExactly(betas.id(), alphas.id());
    }

    @Test
    void pagingByTheLastSequenceSeesEveryEntryOnceEvenWhileNewOnesArrive() {
        List<UUID> stored = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            stored.add(0, ingest(Priority.MEDIUM, i + 1));
        }
        List<UUID> seen = new ArrayList<>();
        Long before = null;
        while (true) {
            List<IngestionList.Entry> page = list().page(new IngestionList.Filter(null, null, null, before, 3));
            if (page.isEmpty()) {
                break;
            }
            seen.addAll(ids(page));
            before = page.get(page.size() - 1).seq();
            ingest(Priority.HIGH, 99); // newer than every page still to come: never seen by this walk
        }

        assertThat(seen).containsExactlyElementsOf(stored);
    }

    @Test
    void pagesMixWaitingAndStartedIngestionsOfEveryPriorityInOneNewestFirstOrder() {
        Priority[] priorities = {
            Priority.LOW, Priority.HIGH, Priority.MEDIUM, Priority.HIGH, Priority.LOW, Priority.MEDIUM, Priority.HIGH
        };
        List<UUID> newestFirst = new ArrayList<>();
        List<UUID> highs = new ArrayList<>();
        for (int i = 0; i < priorities.length; i++) {
            UUID id = ingest(priorities[i], i + 1);
            newestFirst.add(0, id);
            if (priorities[i] == Priority.HIGH) {
                highs.add(0, id);
            }
        }
        assertThat(runOnceAt(0)).isEqualTo("T0 [2]");
        assertThat(runOnceAt(5)).isEqualTo("T5 [4]"); // two HIGH ones no longer waiting, one still

        assertThat(walk(null, null, 2)).containsExactlyElementsOf(newestFirst);
        assertThat(walk(Priority.HIGH, null, 2)).containsExactlyElementsOf(highs);
        assertThat(walk(Priority.HIGH, null, 1)).containsExactlyElementsOf(highs);
    }

    @Test
    void anOwnersPagesHoldAllItsPrioritiesNewestFirstAndNoOneElses() {
        List<UUID> alphas = new ArrayList<>();
        for (Priority priority : List.of(Priority.MEDIUM, Priority.LOW, Priority.HIGH, Priority.LOW)) {
            NewIngestion mine = new NewIngestion(UUID.randomUUID(), priority, 3, new int[] {1}, T0, "alpha", null);
            NewIngestion theirs = new NewIngestion(UUID.randomUUID(), priority, 3, new int[] {1}, T0, "beta", null);
            store.insertIngestions(List.of(mine, theirs));
            alphas.add(0, mine.id());
        }

        assertThat(walk(null, "alpha", 3)).containsExactlyElementsOf(alphas);
        assertThat(walk(Priority.LOW, "alpha", 1)).containsExactly(alphas.get(0), alphas.get(2));
    }

    /** Every page of a filter, following the cursor, as one list. */
    private List<UUID> walk(Priority priority, String owner, int limit) {
        List<UUID> seen = new ArrayList<>();
        Long before = null;
        while (true) {
            List<IngestionList.Entry> page =
                    list().page(new IngestionList.Filter(null, priority, owner, before, limit));
            assertThat(page.size()).isLessThanOrEqualTo(limit);
            if (page.isEmpty()) {
                return seen;
            }
            seen.addAll(ids(page));
            before = page.get(page.size() - 1).seq();
        }
    }
}
