package dev.ingestion.status;

import java.time.Duration;
import java.time.Instant;

import dev.ingestion.queue.RateLimit;

/**
 * Where the waiting batches of one ingestion stand. The rate is fixed, so a batch's place in line
 * gives its start exactly, unless work of higher priority arrives: the next slot opens at
 * {@code max(last start + interval, now)} and every batch ahead takes one interval (the interval
 * in force: stretched while the upstream throttles).
 *
 * <p>With fair share, its batches are a round apart rather than one after the other: the first
 * waiting batch's place is exact (as above), and each later one is at most {@code stride} slots
 * (the ingestions or keys waiting in its priority) after the one before, an upper bound, as the
 * round shrinks when others finish.
 *
 * @param ahead batches that start before this ingestion's first waiting batch
 * @param stride slots from one of its waiting batches to the next: 1 in first in, first out
 */
record Schedule(
        RateLimit rateLimit, RateLimit.State limiter, Instant nextSlot, long ahead, long stride, Duration latency) {

    static Schedule of(
            RateLimit rateLimit, RateLimit.State limiter, Instant now, long ahead, long stride, Duration latency) {
        return new Schedule(rateLimit, limiter, rateLimit.nextSlot(limiter, now), ahead, stride, latency);
    }

    /** 1 for the batch that starts next. */
    long position(int waitingIndex) {
        return ahead + waitingIndex * stride + 1;
    }

    Instant start(int waitingIndex) {
        return rateLimit.start(limiter, nextSlot, ahead + waitingIndex * stride);
    }

    Instant completion(int waitingIndex) {
        return start(waitingIndex).plus(latency);
    }

    /**
     * When an ingestion's last batch should be done: the last waiting batch's start plus the
     * upstream's latency; with none waiting, the latest running start plus the latency, never
     * before now; null when nothing waits or runs.
     *
     * @param schedule null when none of its batches waits
     */
    static Instant completion(
            Schedule schedule, int waitingBatches, Instant latestRunningStart, Duration latency, Instant now) {
        if (schedule != null) {
            return schedule.completion(waitingBatches - 1);
        }
        if (latestRunningStart == null) {
            return null;
        }
        Instant expected = latestRunningStart.plus(latency);
        return expected.isBefore(now) ? now : expected;
    }
}
