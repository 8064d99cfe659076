package dev.ingestion.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ingestion.store.Admission;
import dev.ingestion.store.NewIngestion;
import dev.ingestion.store.QueueStore;

/**
 * Gathers the ingestions that arrive while a commit is under way into the next commit. A durable
 * commit costs a file write (H2 with WRITE_DELAY=0) or a WAL flush (PostgreSQL) whatever it holds,
 * so under load many requests share one; alone, a request waits for nothing but its own commit.
 * Every request still returns only after the commit that holds it.
 *
 * <p>A request that finds nothing queued and no commit under way commits itself, on its own thread:
 * a lone request then goes to its commit and back without two hand-offs to the writer thread and
 * back (about a fifth of a lone ingest's time here, docs/BENCHMARKS.md). Under load the writer
 * is never idle, and takes every commit.
 */
public final class GroupCommit implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    /** Big requests commit alone, so that small ones are not held behind a million ids. */
    private static final int MAX_IDS_PER_COMMIT = 100_000;

    private static final int MAX_INGESTIONS_PER_COMMIT = 500;

    private record Pending(NewIngestion ingestion, CompletableFuture<Admission> stored) {}

    private static final Pending STOP = new Pending(null, null);

    private final Function<List<NewIngestion>, List<Admission>> store;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    /** Held for every commit: the writer's, or a lone request's own. */
    private final ReentrantLock committing = new ReentrantLock();
    /** The writer's next commit's first request, taken from the queue, waiting for the lock. */
    private volatile Pending taken;
    /**
     * Whether the writer waits for work. Only then may a request commit itself: between two of the
     * writer's commits under load, one that did would commit alone and hold the next group up.
     */
    private volatile boolean writerIdle = true;
    /**
     * Whether the writer's last commit held a single request. A request commits itself only then:
     * under load, one that did would commit alone where the writer, woken by it, would have
     * gathered a few more (measured: 4% fewer ingests a second at 64 connections without this).
     */
    private volatile boolean lightLoad = true;

    private volatile boolean open = true;

    /** @param maxWaitingIds the cap on an owner's ids without an outcome; 0: none */
    public GroupCommit(QueueStore store, long maxWaitingIds) {
        this(group -> store.insertIngestions(group, maxWaitingIds));
    }

    /** @param store commits a group: all of it or none (tests give a stand-in) */
    GroupCommit(Function<List<NewIngestion>, List<Admission>> store) {
        this.store = store;
        this.writer = new Thread(this::run, "group-commit");
        writer.setDaemon(true);
        writer.start();
    }

    /** Returns once the commit that holds the ingestion is over; throws what the store threw if it failed. */
    public Admission write(NewIngestion ingestion) {
        if (!open) {
            throw new IllegalStateException("shutting down");
        }
        if (lightLoad && writerIdle && queue.isEmpty() && committing.tryLock()) {
            try {
                if (writerIdle && queue.isEmpty()) {
                    return store.apply(List.of(ingestion)).get(0);
                }
            } finally {
                committing.unlock();
            }
        }
        CompletableFuture<Admission> stored = new CompletableFuture<>();
        queue.add(new Pending(ingestion, stored));
        try {
            return stored.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private void run() {
        List<Pending> group = new ArrayList<>();
        while (true) {
            writerIdle = true;
            Pending first = take();
            writerIdle = false;
            if (first == STOP) {
                return;
            }
            taken = first;
            committing.lock();
            try {
                taken = null;
                group.add(first);
                int ids = first.ingestion().ids().length;
                for (Pending next = queue.peek();
                        next != null
                                && next != STOP
                                && group.size() < MAX_INGESTIONS_PER_COMMIT
                                && ids + next.ingestion().ids().length <= MAX_IDS_PER_COMMIT;
                        next = queue.peek()) {
                    group.add(queue.poll());
                    ids += next.ingestion().ids().length;
                }
                commit(group);
            } finally {
                committing.unlock();
            }
            lightLoad = group.size() == 1;
            group.clear();
        }
    }

    private Pending take() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                // only close() stops the writer, after what was handed in before it
            }
        }
    }

    private void commit(List<Pending> group) {
        try {
            List<Admission> admissions =
                    store.apply(group.stream().map(Pending::ingestion).toList());
            for (int i = 0; i < group.size(); i++) {
                group.get(i).stored().complete(admissions.get(i));
            }
        } catch (RuntimeException e) {
            log.debug("commit of {} ingestion(s) failed", group.size(), e);
            group.forEach(pending -> pending.stored().completeExceptionally(e));
        }
    }

    /** Writes handed in and not yet taken into a commit. */
    int queued() {
        return queue.size() + (taken == null ? 0 : 1);
    }

    /** Commits what was already handed in, then stops. */
    @Override
    public void close() {
        open = false;
        queue.add(STOP);
        try {
            writer.join(30_000);
            // and a lone request's own commit, if one is under way
            if (committing.tryLock(30, TimeUnit.SECONDS)) {
                committing.unlock();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
